#!/usr/bin/env node
// Publishes prepared models (tools/models/install.sh) to the models bucket, in the layout compute-ai reads:
//   <id>/<version>/manifest.json, <id>/<version>/<files...>, then <id>/LATEST = {"version": "<version>"}.
// LATEST is written last, so compute-ai never sees a version whose files are still uploading.
//
//   node tools/models/publish.mjs <model-dir> [--id ID] [--version V] [--no-latest] [--bucket B]
//   node tools/models/publish.mjs --all [--bucket B]      # every model in the install cache
//
// Env: S3_ENDPOINT (http://127.0.0.1:9000), S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION (us-east-1),
//      MODELS_BUCKET (models), IMAGEFLOW_CACHE (~/.cache/imageflow).
import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as Minio from 'minio';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    bucket: { type: 'string', default: process.env.MODELS_BUCKET || 'models' },
    id: { type: 'string' },
    version: { type: 'string' },
    'no-latest': { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
  },
});

const endpoint = new URL(process.env.S3_ENDPOINT || 'http://127.0.0.1:9000');
const useSSL = endpoint.protocol === 'https:';
const client = new Minio.Client({
  endPoint: endpoint.hostname,
  port: endpoint.port ? Number(endpoint.port) : useSSL ? 443 : 80,
  useSSL,
  accessKey: process.env.S3_ACCESS_KEY || 'imageflow',
  secretKey: process.env.S3_SECRET_KEY || 'imageflow-local-secret',
  region: process.env.S3_REGION || 'us-east-1',
  pathStyle: true,
});

async function ensureBucket(bucket) {
  if (await client.bucketExists(bucket)) return;
  try {
    await client.makeBucket(bucket, process.env.S3_REGION || 'us-east-1');
  } catch (error) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(error?.code)) throw error;
  }
}

async function publish(dir, { bucket, id, version, latest }) {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  if (id) manifest.id = id;
  if (version) manifest.version = version;
  if (!manifest.id || !manifest.version) throw new Error(`${dir}/manifest.json: id and version are required`);
  const prefix = `${manifest.id}/${manifest.version}`;
  const files = (await readdir(dir)).filter((f) => f !== 'manifest.json');
  for (const file of files) {
    if (!(await stat(join(dir, file))).isFile()) continue;
    const body = await readFile(join(dir, file));
    await client.putObject(bucket, `${prefix}/${file}`, body, body.length, {
      'Content-Type': 'application/octet-stream',
    });
  }
  const manifestBody = Buffer.from(JSON.stringify(manifest, null, 2));
  await client.putObject(bucket, `${prefix}/manifest.json`, manifestBody, manifestBody.length, {
    'Content-Type': 'application/json',
  });
  if (latest) {
    const pointer = Buffer.from(JSON.stringify({ version: manifest.version }));
    await client.putObject(bucket, `${manifest.id}/LATEST`, pointer, pointer.length, {
      'Content-Type': 'application/json',
    });
  }
  return `${manifest.id}@${manifest.version}`;
}

const byVersion = (a, b) => a.localeCompare(b, undefined, { numeric: true });

async function main() {
  const bucket = values.bucket;
  let jobs;
  if (values.all) {
    const root = join(process.env.IMAGEFLOW_CACHE || join(homedir(), '.cache', 'imageflow'), 'models');
    jobs = [];
    const dirs = async (path) =>
      (await readdir(path, { withFileTypes: true }))
        .filter((e) => e.isDirectory() && !e.name.endsWith('.tmp'))
        .map((e) => e.name);
    for (const id of (await dirs(root)).sort()) {
      const versions = (await dirs(join(root, id))).sort(byVersion);
      versions.forEach((v, i) => jobs.push({ dir: join(root, id, v), latest: i === versions.length - 1 }));
    }
  } else {
    if (positionals.length === 0) throw new Error('usage: publish.mjs <model-dir>... | --all');
    jobs = positionals.map((dir) => ({ dir, latest: !values['no-latest'] }));
  }
  await ensureBucket(bucket);
  for (const job of jobs) {
    const ref = await publish(job.dir, {
      bucket,
      id: values.id,
      version: values.version,
      latest: job.latest,
    });
    console.log(`${ref}${job.latest ? ' (latest)' : ''} <- ${basename(job.dir)}`);
  }
}

main().catch((error) => {
  console.error(`publish: ${error.message}`);
  process.exit(1);
});
