// Seeds the demo for `npm start`: the serial-check pipeline (resize → text detection → crop → text recognition →
// serial-format judgement → annotate), bound to a simulated label camera, through the gateway's own REST API.
// Idempotent: an existing demo pipeline is reused; saving the same definition again creates no new version.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const GATEWAY = process.env.IMAGEFLOW_GATEWAY ?? `http://127.0.0.1:${process.env.HTTP_PORT ?? 8080}`;
const HOME = process.env.IMAGEFLOW_HOME ?? join(import.meta.dirname, '..', '..', '.imageflow');
export const DEMO = { name: 'Demo: label serial check', camera: 'demo-line-1-cam-1', line: 'demo-line-1' };

export const demoDefinition = {
  nodes: [
    {
      id: 'resize',
      label: 'Resize',
      part: { id: 'pre.resize', version: '1.0.0' },
      parameters: { width: 960, fit: 'inside' },
    },
    {
      id: 'text-detect',
      label: 'Text detection',
      part: { id: 'ai.ocr-detect', version: '1.0.0' },
      parameters: {},
    },
    {
      id: 'text-read',
      label: 'Text recognition',
      part: { id: 'ai.ocr-recognize', version: '1.0.0' },
      parameters: {},
    },
    {
      id: 'serial-crop',
      label: 'Crop the serial',
      part: { id: 'post.crop-detection', version: '1.0.0' },
      parameters: { padding: 0.1 },
    },
    {
      id: 'serial-check',
      label: 'Serial format',
      part: { id: 'post.judge', version: '1.0.0' },
      parameters: { rules: [{ type: 'text-match', pattern: 'SN-\\d{6}(?!\\d)' }] },
    },
    { id: 'annotate', label: 'Annotate', part: { id: 'post.annotate', version: '1.0.0' }, parameters: {} },
  ],
  edges: [
    { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
    { from: { node: 'resize', port: 'image' }, to: { node: 'text-detect', port: 'image' } },
    { from: { node: 'resize', port: 'image' }, to: { node: 'text-read', port: 'image' } },
    { from: { node: 'text-detect', port: 'detections' }, to: { node: 'text-read', port: 'detections' } },
    { from: { node: 'resize', port: 'image' }, to: { node: 'serial-crop', port: 'image' } },
    { from: { node: 'text-read', port: 'detections' }, to: { node: 'serial-crop', port: 'detections' } },
    { from: { node: 'text-read', port: 'text' }, to: { node: 'serial-check', port: 'text' } },
    { from: { node: 'resize', port: 'image' }, to: { node: 'annotate', port: 'image' } },
    { from: { node: 'text-read', port: 'detections' }, to: { node: 'annotate', port: 'detections' } },
  ],
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, probe, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(1_000);
  }
  throw new Error(
    `seed-demo: ${what} not done within ${timeoutMs / 1000} s${last ? `: ${last.message}` : ''}`,
  );
}

async function api(key, method, path, body) {
  const response = await fetch(`${GATEWAY}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  return { status: response.status, body: json };
}

export async function seedDemo() {
  await until('gateway ready', async () => ((await fetch(`${GATEWAY}/readyz`)).ok ? true : undefined));
  const keyFile = join(HOME, 'admin-key');
  const key = await until('admin key', async () =>
    existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined,
  );

  // The catalog lists both compute services once they answer (compute-ai loads its models first).
  await until('parts catalog', async () => {
    const { body } = await api(key, 'GET', '/api/v1/parts');
    const ids = new Set((body?.parts ?? []).map((p) => p.id));
    return demoDefinition.nodes.every((n) => ids.has(n.part.id)) ? true : undefined;
  });
  // Pin each node to the version the catalog serves.
  const { body: catalog } = await api(key, 'GET', '/api/v1/parts');
  for (const node of demoDefinition.nodes) {
    node.part.version = catalog.parts.find((p) => p.id === node.part.id).version;
  }

  const { body: page } = await api(key, 'GET', '/api/v1/pipelines?limit=100');
  let pipelineId = page?.items?.find((p) => p.name === DEMO.name)?.id;
  let version;
  if (pipelineId) {
    const saved = await api(key, 'POST', `/api/v1/pipelines/${pipelineId}/versions`, {
      definition: demoDefinition,
      message: 'demo pipeline (npm start)',
    });
    if (saved.status >= 300)
      throw new Error(`seed-demo: saving a version failed: ${JSON.stringify(saved.body)}`);
    version = saved.body.version;
  } else {
    const created = await api(key, 'POST', '/api/v1/pipelines', {
      name: DEMO.name,
      definition: demoDefinition,
      message: 'demo pipeline (npm start)',
    });
    if (created.status >= 300)
      throw new Error(`seed-demo: creating the pipeline failed: ${JSON.stringify(created.body)}`);
    pipelineId = created.body.pipelineId;
    version = created.body.version;
  }
  // Activation and binding need the version in the read model: the projector writes it within a moment.
  await until('activation', async () => {
    const r = await api(
      key,
      'POST',
      `/api/v1/pipelines/${pipelineId}/versions/${encodeURIComponent(version)}/activate`,
    );
    return r.status < 300 ? r : undefined;
  });
  await until('binding', async () => {
    const r = await api(key, 'PUT', `/api/v1/bindings/camera/${DEMO.camera}`, { pipelineId });
    return r.status < 300 ? r : undefined;
  });
  return { pipelineId, version, camera: DEMO.camera, line: DEMO.line };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  seedDemo().then(
    (seeded) => console.log(JSON.stringify(seeded)),
    (error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
