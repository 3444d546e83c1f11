// The pipeline configuration as the orchestrator sees it, folded from imageflow.pipelines.v1: versions by id,
// activations and bindings with the time they took effect, so a capture runs what was active when it was taken.
import type { Capture, EventOf } from '@imageflow/contracts';
import { versionIdOf, type PipelineDefinition, type RunPlan } from '@imageflow/pipeline';

export type ConfigEvent =
  | { type: 'PipelineVersionCreated'; event: EventOf<'PipelineVersionCreated'> }
  | { type: 'PipelineVersionActivated'; event: EventOf<'PipelineVersionActivated'> }
  | { type: 'BindingSet'; event: EventOf<'BindingSet'> }
  | { type: 'BindingRemoved'; event: EventOf<'BindingRemoved'> };

export const CONFIG_EVENT_TYPES: ReadonlySet<string> = new Set([
  'PipelineVersionCreated',
  'PipelineVersionActivated',
  'BindingSet',
  'BindingRemoved',
]);

export interface PipelineVersion {
  pipelineId: string;
  version: string;
  name: string;
  plan: RunPlan;
}

export interface Resolution {
  pipelineId: string;
  version: PipelineVersion;
  /** Which binding matched: `camera:<id>` or `line:<id>`. */
  boundBy: string;
}

/** One value that changes over time; entries sorted by `at`, same-time entries in log order. */
interface Timeline<T> {
  entries: { at: number; value: T }[];
}

function record<T>(timelines: Map<string, Timeline<T>>, key: string, at: number, value: T): void {
  const timeline = timelines.get(key) ?? { entries: [] };
  // Insert after every entry at or before `at`: log order wins for equal times.
  let i = timeline.entries.length;
  while (i > 0 && (timeline.entries[i - 1]?.at ?? -Infinity) > at) i -= 1;
  timeline.entries.splice(i, 0, { at, value });
  timelines.set(key, timeline);
}

function valueAt<T>(timeline: Timeline<T> | undefined, at: number): T | undefined {
  if (!timeline) return undefined;
  const entry = timeline.entries.findLast((e) => e.at <= at);
  return entry?.value;
}

export const bindingKey = (kind: 'CAMERA' | 'LINE', id: string): string =>
  `${kind === 'CAMERA' ? 'camera' : 'line'}:${id}`;
const versionKey = (pipelineId: string, version: string): string => `${pipelineId}\u0000${version}`;

export class InvalidConfigEventError extends Error {}

export class PipelineConfigTable {
  private readonly versions = new Map<string, PipelineVersion>();
  private readonly activations = new Map<string, Timeline<string>>();
  private readonly bindings = new Map<string, Timeline<string | null>>();
  private readonly seen = new Set<string>();

  /** Applies one configuration event; a redelivered event changes nothing. Throws on an event it cannot use. */
  apply(config: ConfigEvent): void {
    const { envelope } = config.event;
    if (this.seen.has(envelope.eventId)) return;
    const at = envelope.occurredAt;
    switch (config.type) {
      case 'PipelineVersionCreated': {
        const e = config.event;
        const version = parseVersion(e);
        this.versions.set(versionKey(e.pipelineId, e.version), version);
        break;
      }
      case 'PipelineVersionActivated':
        record(this.activations, config.event.pipelineId, at, config.event.version);
        break;
      case 'BindingSet':
        record(
          this.bindings,
          bindingKey(config.event.targetKind, config.event.targetId),
          at,
          config.event.pipelineId,
        );
        break;
      case 'BindingRemoved':
        record(this.bindings, bindingKey(config.event.targetKind, config.event.targetId), at, null);
        break;
    }
    this.seen.add(envelope.eventId);
  }

  /** The version to run for a capture: the camera's binding first, then the line's, each as of `capturedAt`. */
  resolve(capture: Pick<Capture, 'cameraId' | 'lineId' | 'capturedAt'>): Resolution | undefined {
    const targets = [bindingKey('CAMERA', capture.cameraId)];
    if (capture.lineId) targets.push(bindingKey('LINE', capture.lineId));
    for (const boundBy of targets) {
      const pipelineId = valueAt(this.bindings.get(boundBy), capture.capturedAt);
      if (!pipelineId) continue;
      const active = valueAt(this.activations.get(pipelineId), capture.capturedAt);
      const version = active === undefined ? undefined : this.versions.get(versionKey(pipelineId, active));
      if (version) return { pipelineId, version, boundBy };
    }
    return undefined;
  }

  version(pipelineId: string, version: string): PipelineVersion | undefined {
    return this.versions.get(versionKey(pipelineId, version));
  }

  get size(): { versions: number; pipelines: number; bindings: number } {
    return { versions: this.versions.size, pipelines: this.activations.size, bindings: this.bindings.size };
  }
}

function parseVersion(e: EventOf<'PipelineVersionCreated'>): PipelineVersion {
  let definition: PipelineDefinition;
  let stageKinds: Record<string, string>;
  try {
    definition = JSON.parse(e.definitionJson) as PipelineDefinition;
    stageKinds = JSON.parse(e.stageKindsJson) as Record<string, string>;
  } catch (error) {
    throw new InvalidConfigEventError(
      `version ${e.version} of ${e.pipelineId}: JSON does not parse: ${String(error)}`,
    );
  }
  if (!definition || !Array.isArray(definition.nodes) || !Array.isArray(definition.edges))
    throw new InvalidConfigEventError(
      `version ${e.version} of ${e.pipelineId}: definition has no nodes/edges arrays`,
    );
  if (!stageKinds || typeof stageKinds !== 'object')
    throw new InvalidConfigEventError(
      `version ${e.version} of ${e.pipelineId}: stageKindsJson is not an object`,
    );
  const missing = definition.nodes.filter((n) => typeof stageKinds[n.id] !== 'string').map((n) => n.id);
  if (missing.length)
    throw new InvalidConfigEventError(
      `version ${e.version} of ${e.pipelineId}: no stage kind for nodes ${missing.join(', ')}`,
    );
  const expected = versionIdOf(definition);
  if (expected !== e.version)
    throw new InvalidConfigEventError(
      `version ${e.version} of ${e.pipelineId}: the definition hashes to ${expected}`,
    );
  return { pipelineId: e.pipelineId, version: e.version, name: e.name, plan: { definition, stageKinds } };
}
