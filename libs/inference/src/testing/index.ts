// Fixtures for tests of @imageflow/inference and compute-ai: real models from the install cache
// (tools/models/install.sh), real photos from Debian's scikit-image data, rendered label images.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as Minio from 'minio';
import sharp from 'sharp';

const run = promisify(execFile);

export const repoRoot = join(__dirname, '..', '..', '..', '..');

/** Where tools/models/install.sh puts prepared models: <cache>/models/<id>/<version>/. */
export const modelCacheDir = (): string =>
  join(process.env['IMAGEFLOW_CACHE'] ?? join(homedir(), '.cache', 'imageflow'), 'models');

export const modelDir = (id: string, version: string): string => join(modelCacheDir(), id, version);

/** The models the install script prepares. */
export const MODELS = {
  textDetection: { id: 'ppocr-v4-det', version: '4.0.0' },
  textRecognition: { id: 'ppocr-v4-rec', version: '4.0.0' },
  textOrientation: { id: 'ppocr-mobile-v2-cls', version: '2.0.0' },
  cocoDetector: { id: 'nanodet-m-coco', version: '1.0.0' },
  personDetector: { id: 'ssdlite-person', version: '0.2.0' },
} as const;

export function requireModel(id: string, version: string): string {
  const dir = modelDir(id, version);
  if (!existsSync(join(dir, 'model.onnx'))) {
    throw new Error(`model ${id}@${version} is not in ${modelCacheDir()}: run bash tools/models/install.sh`);
  }
  return dir;
}

/** Real photos shipped by Debian's python3-skimage (installed by tools/models/install.sh). */
export const SKIMAGE_DATA = process.env['SKIMAGE_DATA'] ?? '/usr/lib/python3/dist-packages/skimage/data';
export const photo = (
  name: 'astronaut.png' | 'chelsea.png' | 'coffee.png' | 'motorcycle_left.png' | 'rocket.jpg',
): string => {
  const path = join(SKIMAGE_DATA, name);
  if (!existsSync(path))
    throw new Error(`${path} missing: run bash tools/models/install.sh (installs python3-skimage)`);
  return path;
};

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A label as a line camera would see it: black text on white, rendered from SVG with a font on this machine. */
export async function renderLabel(
  lines: readonly string[],
  options: {
    width?: number;
    fontSize?: number;
    format?: 'png' | 'jpeg';
    rotate180?: boolean;
    tight?: boolean;
  } = {},
): Promise<Buffer> {
  const fontSize = options.fontSize ?? 32;
  const lineHeight = Math.round(fontSize * 1.6);
  const width =
    options.width ?? Math.max(...lines.map((l) => l.length)) * Math.round(fontSize * 0.7) + 2 * fontSize;
  const height = lines.length * lineHeight + fontSize;
  const text = lines
    .map(
      (l, i) =>
        `<text x="${fontSize}" y="${fontSize + (i + 0.75) * lineHeight}" font-family="DejaVu Sans" font-size="${fontSize}" fill="#000">${escapeXml(l)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${text}</svg>`;
  let image = sharp(Buffer.from(svg)).flatten({ background: '#ffffff' });
  if (options.tight) {
    // A text-line crop, as a text detector would cut it: the ink plus a few pixels of paper.
    const trimmed = await image.trim().png().toBuffer();
    image = sharp(trimmed).extend({ top: 4, bottom: 4, left: 4, right: 4, background: '#ffffff' });
  }
  if (options.rotate180) image = image.rotate(180);
  return options.format === 'jpeg' ? image.jpeg({ quality: 90 }).toBuffer() : image.png().toBuffer();
}

export interface PublishOptions {
  bucket: string;
  /** Publish under another id / version than the manifest's (the tool rewrites the manifest). */
  id?: string;
  version?: string;
  /** Leave LATEST alone. */
  noLatest?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Publishes a model directory with the real tool, tools/models/publish.mjs. */
export async function publishModel(dir: string, options: PublishOptions): Promise<string> {
  const args = [join(repoRoot, 'tools', 'models', 'publish.mjs'), dir, '--bucket', options.bucket];
  if (options.id) args.push('--id', options.id);
  if (options.version) args.push('--version', options.version);
  if (options.noLatest) args.push('--no-latest');
  const { stdout } = await run(process.execPath, args, {
    env: { ...process.env, ...options.env },
    cwd: repoRoot,
  });
  return stdout.trim();
}

/** S3 settings of the local stack (same variables as the apps). */
export const s3Env = () => ({
  endpoint: process.env['S3_ENDPOINT'] ?? 'http://127.0.0.1:9000',
  region: process.env['S3_REGION'] ?? 'us-east-1',
  accessKey: process.env['S3_ACCESS_KEY'] ?? 'imageflow',
  secretKey: process.env['S3_SECRET_KEY'] ?? 'imageflow-local-secret',
});

/** A bucket name no earlier run has used. */
export const uniqueBucket = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`.toLowerCase();

function testClient(): Minio.Client {
  const env = s3Env();
  const url = new URL(env.endpoint);
  return new Minio.Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
    useSSL: url.protocol === 'https:',
    accessKey: env.accessKey,
    secretKey: env.secretKey,
    region: env.region,
    pathStyle: true,
  });
}

/** Writes one object (tests use it to plant broken manifests or models). */
export async function putTestObject(bucket: string, key: string, body: Buffer | string): Promise<void> {
  const data = Buffer.from(body);
  await testClient().putObject(bucket, key, data, data.length);
}

/** Deletes a test bucket and everything in it. */
export async function removeBucket(bucket: string): Promise<void> {
  const client = testClient();
  if (!(await client.bucketExists(bucket))) return;
  const keys: string[] = [];
  for await (const item of client.listObjectsV2(bucket, '', true)) if (item.name) keys.push(item.name);
  if (keys.length) await client.removeObjects(bucket, keys);
  await client.removeBucket(bucket);
}
