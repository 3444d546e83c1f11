// Builders and fixtures for tests of the persistence library and its users (projector, gateway).
import { createHash } from 'node:crypto';
import type { Envelope, EventOf, EventType, StepOutput } from '@imageflow/contracts';
import { Client } from 'pg';
import { uuidv7 } from 'uuidv7';
import type { ProjectableEvent } from '../projections/projection';

const BASE_TIME = Date.parse('2026-01-01T00:00:00.000Z');

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export function anEnvelope(type: EventType, overrides: Partial<Envelope> = {}): Envelope {
  return {
    eventId: uuidv7(),
    type,
    occurredAt: BASE_TIME,
    runId: null,
    imageId: null,
    pipelineId: null,
    pipelineVersion: null,
    causationId: null,
    correlationId: null,
    ...overrides,
  };
}

type Overrides<T extends EventType> = Partial<Omit<EventOf<T>, 'envelope'>> & {
  envelope?: Partial<Envelope>;
};

/** A decoded event of one type, as the projections and `EventSerde` see it. */
export interface TypedEvent<T extends EventType> {
  type: T;
  event: EventOf<T>;
}

function build<T extends EventType>(
  type: T,
  defaults: Omit<EventOf<T>, 'envelope'>,
  overrides: Overrides<T>,
): TypedEvent<T> {
  const { envelope, ...rest } = overrides;
  return {
    type,
    event: { envelope: anEnvelope(type, envelope), ...defaults, ...rest } as unknown as EventOf<T>,
  };
}

export function anImageCaptured(overrides: Overrides<'ImageCaptured'> = {}) {
  const imageId = overrides.envelope?.imageId ?? sha256Hex(uuidv7());
  return build(
    'ImageCaptured',
    {
      image: {
        bucket: 'raw-images',
        key: `${imageId.slice(0, 2)}/${imageId}`,
        etag: null,
        size: 2048,
        contentType: 'image/png',
        sha256: imageId,
        width: 64,
        height: 48,
      },
      capture: {
        cameraId: 'cam-1',
        lineId: 'line-1',
        lot: 'lot-1',
        serial: 'sn-1',
        capturedAt: BASE_TIME,
        source: 'CAMERA',
      },
      idempotencyKey: null,
    },
    { ...overrides, envelope: { imageId, ...overrides.envelope } },
  );
}

export const aRunStarted = (overrides: Overrides<'RunStarted'> = {}) =>
  build(
    'RunStarted',
    {
      image: {
        bucket: 'raw-images',
        key: 'ab/abc',
        etag: null,
        size: 2048,
        contentType: 'image/png',
        sha256: null,
        width: 64,
        height: 48,
      },
      capture: {
        cameraId: 'cam-1',
        lineId: 'line-1',
        lot: 'lot-1',
        serial: 'sn-1',
        capturedAt: BASE_TIME,
        source: 'CAMERA',
      },
      trigger: 'CAPTURE',
      replayId: null,
      definitionJson: '{"nodes":[],"edges":[]}',
    },
    overrides,
  );

export const aStepRequested = (overrides: Overrides<'StepRequested'> = {}) =>
  build(
    'StepRequested',
    {
      nodeId: 'resize',
      partId: 'image.resize',
      partVersion: '1.0.0',
      stageKind: 'image',
      attempt: 1,
      parametersJson: '{}',
      inputs: [],
      timeoutMs: 30_000,
      deadlineAt: BASE_TIME + 30_000,
    },
    overrides,
  );

export const aStepStarted = (overrides: Overrides<'StepStarted'> = {}) =>
  build('StepStarted', { nodeId: 'resize', attempt: 1, workerId: 'worker-1' }, overrides);

export const TIMINGS = { queuedMs: 1, fetchMs: 2, computeMs: 3, storeMs: 4, totalMs: 10 };

export const aStepCompleted = (overrides: Overrides<'StepCompleted'> = {}) =>
  build(
    'StepCompleted',
    {
      nodeId: 'resize',
      partId: 'image.resize',
      attempt: 1,
      outputs: [],
      timings: TIMINGS,
      workerId: 'worker-1',
      modelId: null,
      modelVersion: null,
    },
    overrides,
  );

export const aStepFailed = (overrides: Overrides<'StepFailed'> = {}) =>
  build(
    'StepFailed',
    {
      nodeId: 'resize',
      partId: 'image.resize',
      attempt: 1,
      code: 'COMPUTE_UNAVAILABLE',
      message: 'compute-image did not answer',
      retryable: true,
      timings: null,
      workerId: 'worker-1',
    },
    overrides,
  );

export const aRunCompleted = (overrides: Overrides<'RunCompleted'> = {}) =>
  build('RunCompleted', { verdict: 'OK', durationMs: 120, skippedNodeIds: [] }, overrides);

export const aRunFailed = (overrides: Overrides<'RunFailed'> = {}) =>
  build(
    'RunFailed',
    { failedNodeId: 'resize', code: 'STEP_FAILED', message: 'resize failed', durationMs: 80 },
    overrides,
  );

export const detectionsOutput = (port = 'detections', count = 2): StepOutput => ({
  port,
  kind: 'DETECTIONS',
  object: null,
  detections: Array.from({ length: count }, (_, i) => ({
    label: i % 2 ? 'scratch' : 'dent',
    score: 0.5 + i / 100,
    x: i * 10,
    y: i * 5,
    width: 20,
    height: 10,
    text: null,
    classId: i,
  })),
  text: null,
  measurements: null,
  judgement: null,
});

export const judgementOutput = (
  verdict: 'OK' | 'NG',
  reasons: string[] = [],
  port = 'judgement',
): StepOutput => ({
  port,
  kind: 'JUDGEMENT',
  object: null,
  detections: null,
  text: null,
  measurements: null,
  judgement: { verdict, reasons },
});

export interface RunScenarioOptions {
  runId?: string;
  cameraId?: string;
  lineId?: string;
  lot?: string;
  pipelineId?: string;
  pipelineVersion?: string;
  /** Start time, epoch ms. */
  at?: number;
  /** The detection node fails once (retryable) and succeeds on attempt 2. */
  retryDetection?: boolean;
  /** The run fails at the detection node instead of completing. */
  fail?: boolean;
}

/**
 * One capture and a whole run through a three-node pipeline (resize → detect → judge), in the order the
 * orchestrator and workers write them: the capture goes to the images topic, the rest to run-events.
 */
export function runScenario(options: RunScenarioOptions = {}): {
  capture: ProjectableEvent;
  runEvents: ProjectableEvent[];
} {
  const at = options.at ?? BASE_TIME;
  const runId = options.runId ?? uuidv7();
  const capture = anImageCaptured({
    envelope: { occurredAt: at },
    capture: {
      cameraId: options.cameraId ?? 'cam-1',
      lineId: options.lineId ?? 'line-1',
      lot: options.lot ?? 'lot-1',
      serial: `sn-${runId.slice(-6)}`,
      capturedAt: at - 5,
      source: 'CAMERA',
    },
  });
  const imageId = capture.event.envelope.imageId as string;
  let clock = at + 1;
  const envelope = () => ({
    runId,
    imageId,
    pipelineId: options.pipelineId ?? 'inspect',
    pipelineVersion: options.pipelineVersion ?? '1',
    correlationId: capture.event.envelope.eventId,
    occurredAt: clock++,
  });
  const step = (
    nodeId: string,
    partId: string,
    stageKind: string,
    outputs: StepOutput[],
    attempt = 1,
  ): ProjectableEvent[] => [
    aStepRequested({ envelope: envelope(), nodeId, partId, stageKind, attempt }),
    aStepStarted({ envelope: envelope(), nodeId, attempt }),
    aStepCompleted({ envelope: envelope(), nodeId, partId, attempt, outputs }),
  ];
  const runEvents: ProjectableEvent[] = [
    aRunStarted({
      envelope: envelope(),
      image: { ...capture.event.image },
      capture: { ...capture.event.capture },
    }),
    ...step('resize', 'image.resize', 'image', []),
  ];
  if (options.retryDetection || options.fail) {
    runEvents.push(
      aStepRequested({
        envelope: envelope(),
        nodeId: 'detect',
        partId: 'ai.detect',
        stageKind: 'ai',
        attempt: 1,
      }),
      aStepStarted({ envelope: envelope(), nodeId: 'detect', attempt: 1 }),
      aStepFailed({
        envelope: envelope(),
        nodeId: 'detect',
        partId: 'ai.detect',
        attempt: 1,
        retryable: !options.fail,
      }),
    );
  }
  if (options.fail) {
    runEvents.push(aRunFailed({ envelope: envelope(), failedNodeId: 'detect', durationMs: clock - at }));
    return { capture, runEvents };
  }
  const verdict = runId.charCodeAt(runId.length - 1) % 2 ? 'NG' : 'OK';
  runEvents.push(
    ...step('detect', 'ai.detect', 'ai', [detectionsOutput('detections', 3)], options.retryDetection ? 2 : 1),
    ...step('judge', 'post.judge', 'image', [judgementOutput(verdict, verdict === 'NG' ? ['dent'] : [])]),
    aRunCompleted({ envelope: envelope(), verdict, durationMs: clock - at }),
  );
  return { capture, runEvents };
}

/** A small pipeline definition (resize → detect) as the gateway would save it; `width` makes distinct versions. */
export const aDefinition = (width = 640) => ({
  nodes: [
    { id: 'resize', part: { id: 'image.resize', version: '1' }, parameters: { width } },
    { id: 'detect', part: { id: 'ai.detect', version: '1' }, parameters: { model: 'ssd' } },
  ],
  edges: [
    { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
    { from: { node: 'resize', port: 'image' }, to: { node: 'detect', port: 'image' } },
  ],
});

/** `sha256:` id of a definition's JSON (stands in for libs/pipeline's `versionIdOf` in tests). */
export const versionIdFor = (definition: unknown): string =>
  `sha256:${sha256Hex(JSON.stringify(definition))}`;

export function aPipelineVersionCreated(overrides: Overrides<'PipelineVersionCreated'> = {}) {
  const definitionJson = overrides.definitionJson ?? JSON.stringify(aDefinition());
  const pipelineId = overrides.pipelineId ?? 'inspect';
  const version = overrides.version ?? `sha256:${sha256Hex(definitionJson)}`;
  return build(
    'PipelineVersionCreated',
    {
      pipelineId,
      version,
      name: 'Inspect labels',
      message: null,
      definitionJson,
      stageKindsJson: JSON.stringify({ resize: 'image', detect: 'ai' }),
      createdBy: 'alice',
    },
    { ...overrides, envelope: { pipelineId, pipelineVersion: version, ...overrides.envelope } },
  );
}

export function aPipelineVersionActivated(overrides: Overrides<'PipelineVersionActivated'> = {}) {
  const pipelineId = overrides.pipelineId ?? 'inspect';
  const version = overrides.version ?? versionIdFor(aDefinition());
  return build(
    'PipelineVersionActivated',
    { pipelineId, version, activatedBy: 'alice' },
    { ...overrides, envelope: { pipelineId, pipelineVersion: version, ...overrides.envelope } },
  );
}

export const aBindingSet = (overrides: Overrides<'BindingSet'> = {}) =>
  build('BindingSet', { targetKind: 'CAMERA', targetId: 'cam-1', pipelineId: 'inspect' }, overrides);

export const aBindingRemoved = (overrides: Overrides<'BindingRemoved'> = {}) =>
  build('BindingRemoved', { targetKind: 'CAMERA', targetId: 'cam-1' }, overrides);

/** Kafka key of a pipeline configuration event: the pipeline id, or `camera:<id>` / `line:<id>` for bindings. */
export function pipelinesTopicKey(input: ProjectableEvent): string {
  switch (input.type) {
    case 'BindingSet':
    case 'BindingRemoved':
      return `${input.event.targetKind === 'CAMERA' ? 'camera' : 'line'}:${input.event.targetId}`;
    case 'PipelineVersionCreated':
    case 'PipelineVersionActivated':
      return input.event.pipelineId;
    default:
      throw new Error(`${input.type} does not travel on the pipelines topic`);
  }
}

export const PIPELINE_CONFIG_TYPES: ReadonlySet<string> = new Set([
  'PipelineVersionCreated',
  'PipelineVersionActivated',
  'BindingSet',
  'BindingRemoved',
]);

export interface PipelineScenarioOptions {
  pipelineId?: string;
  name?: string;
  /** Versions to create, one per width (distinct definitions). */
  widths?: number[];
  /** Start time, epoch ms; each event is 1 s after the previous one. */
  at?: number;
  cameraIds?: string[];
  lineIds?: string[];
}

/**
 * The configuration history of one pipeline, in log order: every version created, the last one activated, then
 * rolled back to the first (when there are two or more), cameras and lines bound, and the first camera unbound.
 */
export function pipelineScenario(options: PipelineScenarioOptions = {}) {
  const pipelineId = options.pipelineId ?? 'inspect';
  const widths = options.widths ?? [640, 320];
  const name = options.name ?? `Pipeline ${pipelineId}`;
  let clock = options.at ?? BASE_TIME;
  const envelope = () => ({ occurredAt: (clock += 1000) });
  const created = widths.map((width, i) =>
    aPipelineVersionCreated({
      envelope: envelope(),
      pipelineId,
      name: `${name} v${i + 1}`,
      message: `width ${width}`,
      definitionJson: JSON.stringify(aDefinition(width)),
    }),
  );
  const versions = created.map((c) => c.event.version);
  const activate = (version: string) =>
    aPipelineVersionActivated({ envelope: envelope(), pipelineId, version, activatedBy: 'bob' });
  const activated = [activate(versions[versions.length - 1] as string)];
  if (versions.length > 1) activated.push(activate(versions[0] as string));
  const cameraIds = options.cameraIds ?? ['cam-1', 'cam-2'];
  const lineIds = options.lineIds ?? ['line-1'];
  const bound = [
    ...cameraIds.map((targetId) =>
      aBindingSet({ envelope: envelope(), targetKind: 'CAMERA', targetId, pipelineId }),
    ),
    ...lineIds.map((targetId) =>
      aBindingSet({ envelope: envelope(), targetKind: 'LINE', targetId, pipelineId }),
    ),
  ];
  const unbound = cameraIds
    .slice(0, 1)
    .map((targetId) => aBindingRemoved({ envelope: envelope(), targetKind: 'CAMERA', targetId }));
  const events: ProjectableEvent[] = [...created, ...activated, ...bound, ...unbound];
  return { pipelineId, versions, events, created, activated, bound, unbound };
}

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the same server (the user needs CREATEDB); drop() removes it. */
export async function createScratchDatabase(serverUrl: string, prefix = 'test'): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase();
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      try {
        // FORCE terminates the database's sessions; one that belongs to another role and is still starting up
        // (a pool's late connection) makes it fail with "must be a member of the role…": wait and try again.
        for (let attempt = 1; ; attempt++) {
          try {
            await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          } catch (error) {
            if (attempt >= 10) throw error;
            await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
          }
        }
      } finally {
        await client.end();
      }
    },
  };
}

/** Columns that record when something was written, not what: left out of checksums. */
const WALL_CLOCK_COLUMNS: Record<string, string[]> = {
  event_log: ['recorded_at'],
  projector_checkpoints: ['updated_at'],
};

export const CHECKSUM_TABLES = [
  'event_log',
  'images',
  'runs',
  'steps',
  'detections',
  'judgements',
  'replays',
  'pipelines',
  'pipeline_versions',
  'pipeline_activations',
  'bindings',
  'dead_letters',
  'projector_checkpoints',
] as const;

/**
 * md5 of every row of each table (all columns but wall-clock ones), in a stable order, plus the row count.
 * Two databases with equal checksums hold the same data.
 */
export async function tableChecksums(
  databaseUrl: string,
  tables: readonly string[] = CHECKSUM_TABLES,
): Promise<Record<string, { rows: number; md5: string }>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result: Record<string, { rows: number; md5: string }> = {};
    for (const table of tables) {
      const { rows: columns } = await client.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
      const excluded = WALL_CLOCK_COLUMNS[table] ?? [];
      const list = columns
        .map((c) => c.column_name)
        .filter((c) => !excluded.includes(c))
        .map((c) => `"${c}"`)
        .join(', ');
      const { rows } = await client.query<{ n: string; md5: string | null }>(
        `SELECT count(*) AS n, md5(string_agg(r::text, E'\\n' ORDER BY r::text)) AS md5 FROM (SELECT ${list} FROM ${table}) r`,
      );
      result[table] = { rows: Number(rows[0]?.n ?? 0), md5: rows[0]?.md5 ?? 'empty' };
    }
    return result;
  } finally {
    await client.end();
  }
}
