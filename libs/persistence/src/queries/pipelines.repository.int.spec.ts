import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyProjectionBatch,
  createPool,
  InvalidCursorError,
  InvalidFilterError,
  migrate,
  PipelinesRepository,
  resetProjections,
  type PipelineRecord,
  type Pool,
  type ProjectableEvent,
} from '../index';
import {
  aPipelineVersionActivated,
  aPipelineVersionCreated,
  aBindingSet,
  aDefinition,
  createScratchDatabase,
  pipelineScenario,
  pipelinesTopicKey,
  tableChecksums,
  versionIdFor,
  type ScratchDatabase,
} from '../testing';

const serverUrl = process.env['DATABASE_URL'] ?? 'postgres://imageflow:imageflow@127.0.0.1:5432/imageflow';
const PIPELINE_TABLES = ['pipelines', 'pipeline_versions', 'pipeline_activations', 'bindings'];
const T0 = Date.parse('2026-05-01T00:00:00Z');

let offset = 0;
/** One batch per call, on the pipelines topic, each event at the next offset. */
const apply = (pool: Pool, events: ProjectableEvent[]) =>
  applyProjectionBatch(pool, {
    consumer: 'test',
    topic: 'pipelines',
    partition: 0,
    nextOffset: String(offset + events.length),
    events: events.map((decoded) => ({
      topic: 'pipelines',
      partition: 0,
      offset: String(offset++),
      key: pipelinesTopicKey(decoded),
      schemaId: 1,
      decoded,
    })),
    deadLetters: [],
  });

describe('pipelines, versions, activations and bindings (real Postgres)', () => {
  let db: ScratchDatabase;
  let pool: Pool;
  let repo: PipelinesRepository;
  // inspect: v1 (640), v2 (320), v3 (160); v3 activated, then rolled back to v1. cam-1 unbound at the end.
  const inspect = pipelineScenario({ pipelineId: 'inspect', widths: [640, 320, 160], at: T0 });
  // sort: one version, a camera and a line. Created later, so it is listed first.
  const sort = pipelineScenario({
    pipelineId: 'sort',
    widths: [800],
    at: T0 + 60_000,
    cameraIds: ['cam-3', 'cam-4'],
    lineIds: ['line-2'],
  });
  // 25 more pipelines to page through.
  const many = Array.from({ length: 25 }, (_, i) =>
    aPipelineVersionCreated({
      envelope: { occurredAt: T0 - (i + 1) * 1000 },
      pipelineId: `p-${String(i).padStart(2, '0')}`,
      name: `Pipeline ${i}`,
      definitionJson: JSON.stringify(aDefinition(i + 1)),
    }),
  );

  beforeAll(async () => {
    db = await createScratchDatabase(serverUrl, 'persistence_pipelines');
    expect(await migrate(db.url)).toContain('1795872806683_pipelines-and-bindings');
    pool = createPool({ databaseUrl: db.url, max: 4 });
    repo = new PipelinesRepository(pool);
    await apply(pool, [...inspect.events, ...sort.events, ...many]);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('getPipeline returns the pipeline with its active version summary (after a rollback: the first version)', async () => {
    const pipeline = await repo.getPipeline('inspect');
    expect(pipeline).toEqual<PipelineRecord>({
      id: 'inspect',
      name: 'Pipeline inspect v3',
      createdAt: new Date(T0 + 1000).toISOString(),
      updatedAt: new Date(T0 + 5000).toISOString(),
      versionCount: 3,
      activeVersion: {
        version: inspect.versions[0] as string,
        seq: 1,
        name: 'Pipeline inspect v1',
        message: 'width 640',
        createdAt: new Date(T0 + 1000).toISOString(),
        createdBy: 'alice',
        activatedAt: new Date(T0 + 5000).toISOString(),
        activatedBy: 'bob',
      },
    });
    expect(await repo.getPipeline('missing')).toBeUndefined();
  });

  it('listPipelines pages through every pipeline once, newest first', async () => {
    const seen: PipelineRecord[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await repo.listPipelines({ limit: 10, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((p) => p.id)).toEqual(['sort', 'inspect', ...many.map((m) => m.event.pipelineId)]);
    expect(seen[0]?.activeVersion?.seq).toBe(1);
    expect(seen[2]).toMatchObject({ id: 'p-00', name: 'Pipeline 0', versionCount: 1, activeVersion: null });
    await expect(repo.listPipelines({ cursor: 'garbage' })).rejects.toThrow(InvalidCursorError);
  });

  it('lists versions newest first with their display number, and returns one with its definition', async () => {
    const versions = await repo.listPipelineVersions('inspect');
    expect(versions.map((v) => [v.seq, v.version, v.active])).toEqual([
      [3, inspect.versions[2], false],
      [2, inspect.versions[1], false],
      [1, inspect.versions[0], true],
    ]);
    expect(versions[0]).toMatchObject({
      name: 'Pipeline inspect v3',
      message: 'width 160',
      createdBy: 'alice',
      stageKinds: { resize: 'image', detect: 'ai' },
    });
    expect(versions[0]).not.toHaveProperty('definition');
    const v2 = await repo.getPipelineVersion('inspect', inspect.versions[1] as string);
    expect(v2).toMatchObject({ seq: 2, active: false, definition: aDefinition(320) });
    expect(await repo.getPipelineVersion('inspect', 'sha256:0')).toBeUndefined();
    expect(await repo.getPipelineVersion('sort', inspect.versions[1] as string)).toBeUndefined();
    expect(await repo.listPipelineVersions('missing')).toEqual([]);
  });

  it('lists the activation history newest first, with the rollback visible', async () => {
    const history = await repo.listActivations('inspect');
    expect(history).toEqual([
      {
        pipelineId: 'inspect',
        version: inspect.versions[0],
        seq: 1,
        activatedAt: new Date(T0 + 5000).toISOString(),
        activatedBy: 'bob',
        previousVersion: inspect.versions[2],
        rollback: true,
      },
      {
        pipelineId: 'inspect',
        version: inspect.versions[2],
        seq: 3,
        activatedAt: new Date(T0 + 4000).toISOString(),
        activatedBy: 'bob',
        previousVersion: null,
        rollback: false,
      },
    ]);
  });

  it('lists and finds current bindings; a removed binding is gone', async () => {
    expect((await repo.listBindings()).map((b) => `${b.targetKind}:${b.targetId}->${b.pipelineId}`)).toEqual([
      'CAMERA:cam-2->inspect',
      'CAMERA:cam-4->sort',
      'LINE:line-1->inspect',
      'LINE:line-2->sort',
    ]);
    expect((await repo.listBindings({ pipelineId: 'sort' })).map((b) => b.targetId)).toEqual([
      'cam-4',
      'line-2',
    ]);
    expect(await repo.findBinding('LINE', 'line-1')).toEqual({
      targetKind: 'LINE',
      targetId: 'line-1',
      pipelineId: 'inspect',
      boundAt: new Date(T0 + 8000).toISOString(),
    });
    expect(await repo.findBinding('CAMERA', 'cam-1')).toBeUndefined();
    await expect(repo.findBinding('PHONE', 'x')).rejects.toThrow(InvalidFilterError);
  });

  it('saving the same definition again keeps one version and uses up no number; redelivery changes nothing', async () => {
    const before = await tableChecksums(db.url, PIPELINE_TABLES);
    const again = aPipelineVersionCreated({
      envelope: { occurredAt: T0 + 100_000 },
      pipelineId: 'inspect',
      name: 'renamed?',
      definitionJson: JSON.stringify(aDefinition(320)),
    });
    expect(again.event.version).toBe(inspect.versions[1]);
    expect(await apply(pool, [again])).toMatchObject({ applied: 1 });
    const after = await tableChecksums(db.url, PIPELINE_TABLES);
    expect(after['pipeline_versions']).toEqual(before['pipeline_versions']);
    // The pipeline was touched (updated_at), its name still comes from the newest version.
    expect((await repo.getPipeline('inspect'))?.name).toBe('Pipeline inspect v3');
    const fourth = aPipelineVersionCreated({
      envelope: { occurredAt: T0 + 200_000 },
      pipelineId: 'inspect',
      name: 'Inspect 4',
      definitionJson: JSON.stringify(aDefinition(80)),
    });
    await apply(pool, [fourth]);
    expect((await repo.listPipelineVersions('inspect'))[0]).toMatchObject({
      seq: 4,
      version: versionIdFor(aDefinition(80)),
    });
    expect((await repo.getPipeline('inspect'))?.name).toBe('Inspect 4');

    const settled = await tableChecksums(db.url, PIPELINE_TABLES);
    expect(await apply(pool, [...inspect.events, ...sort.events, again, fourth])).toMatchObject({
      applied: 0,
    });
    expect(await tableChecksums(db.url, PIPELINE_TABLES)).toEqual(settled);
  });

  it('tolerates events read out of order: activation before its version, versions reversed, older binding after a newer one', async () => {
    const late = pipelineScenario({
      pipelineId: 'late',
      widths: [10, 20],
      at: T0 + 300_000,
      cameraIds: ['cam-late'],
      lineIds: [],
    });
    const [v1, v2] = late.created;
    const [activateV2, rollbackToV1] = late.activated;
    const [bindCam] = late.bound;
    if (!v1 || !v2 || !activateV2 || !rollbackToV1 || !bindCam) throw new Error('scenario too short');
    // The rollback is read first, before any version exists; then the older activation; then the versions.
    await apply(pool, [rollbackToV1]);
    expect(await repo.getPipeline('late')).toMatchObject({
      name: null,
      versionCount: 0,
      activeVersion: { version: late.versions[0], seq: null, name: null, activatedBy: 'bob' },
    });
    await apply(pool, [activateV2, v2, v1]);
    const pipeline = await repo.getPipeline('late');
    expect(pipeline?.activeVersion).toMatchObject({ version: late.versions[0], name: 'Pipeline late v1' });
    expect(pipeline?.name).toBe('Pipeline late v2');
    expect(pipeline?.createdAt).toBe(new Date(T0 + 301_000).toISOString());
    // Read v2 first, v1 second: still numbered in creation order.
    expect((await repo.listPipelineVersions('late')).map((v) => [v.seq, v.version])).toEqual([
      [2, late.versions[1]],
      [1, late.versions[0]],
    ]);
    expect((await repo.listActivations('late')).map((a) => [a.version, a.rollback])).toEqual([
      [late.versions[0], true],
      [late.versions[1], false],
    ]);
    // A newer binding, then an older one for the same camera read late: the newer stays.
    const newer = aBindingSet({
      envelope: { occurredAt: T0 + 400_000 },
      targetKind: 'CAMERA',
      targetId: 'cam-late',
      pipelineId: 'inspect',
    });
    await apply(pool, [newer, bindCam]);
    expect(await repo.findBinding('CAMERA', 'cam-late')).toMatchObject({
      pipelineId: 'inspect',
      boundAt: new Date(T0 + 400_000).toISOString(),
    });
    // A removal older than the binding in place leaves it alone.
    const [olderRemoval] = late.unbound;
    if (!olderRemoval) throw new Error('no removal');
    await apply(pool, [olderRemoval]);
    expect(await repo.findBinding('CAMERA', 'cam-late')).toBeDefined();
    // An activation of a version nobody has saved is still recorded and becomes active.
    await apply(pool, [
      aPipelineVersionActivated({
        envelope: { occurredAt: T0 + 500_000 },
        pipelineId: 'late',
        version: 'sha256:unknown',
      }),
    ]);
    expect((await repo.getPipeline('late'))?.activeVersion).toMatchObject({
      version: 'sha256:unknown',
      seq: null,
    });
    expect((await repo.listActivations('late'))[0]).toMatchObject({
      version: 'sha256:unknown',
      seq: null,
      rollback: false,
    });
  });

  it('reaches the same tables whatever order the configuration events are read in, one event per batch', async () => {
    const config = pipelineScenario({
      pipelineId: 'shuffled',
      widths: [1, 2, 3, 4],
      at: T0,
      cameraIds: ['cam-a', 'cam-b'],
      lineIds: ['line-a'],
    });
    // A removal read before the binding it removes is the one case not covered (no tombstones): it stays last.
    const unordered: ProjectableEvent[] = [...config.created, ...config.activated, ...config.bound];
    const project = async (events: ProjectableEvent[]) => {
      await resetProjections(pool, 'test');
      offset = 0;
      for (const event of [...events, ...config.unbound]) await apply(pool, [event]);
      return tableChecksums(db.url, PIPELINE_TABLES);
    };
    const expected = await project(unordered);
    expect(expected['pipeline_versions']?.rows).toBe(4);
    expect(expected['bindings']?.rows).toBe(2);
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let round = 0; round < 4; round += 1) {
      const shuffled = [...unordered];
      for (let i = shuffled.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j] as ProjectableEvent, shuffled[i] as ProjectableEvent];
      }
      expect(await project(shuffled), `order ${shuffled.map((e) => e.type).join(', ')}`).toEqual(expected);
    }
    expect(await project([...unordered].reverse())).toEqual(expected);
  });
});
