import { bindingsProjection } from './bindings.projection';
import { imagesProjection } from './images.projection';
import { pipelinesProjection } from './pipelines.projection';
import type { Projection, ProjectableEvent, SqlStatement } from './projection';
import { replaysProjection } from './replays.projection';
import { runsProjection } from './runs.projection';
import { stepsProjection } from './steps.projection';

export * from './projection';
export * from './images.projection';
export * from './runs.projection';
export * from './steps.projection';
export * from './replays.projection';
export * from './dead-letters.projection';
export * from './pipelines.projection';
export * from './bindings.projection';

export const PROJECTIONS: readonly Projection[] = [
  imagesProjection,
  runsProjection,
  stepsProjection,
  replaysProjection,
  pipelinesProjection,
  bindingsProjection,
];

/** Every statement that folds one event into the read models, in order. Pure. */
export function projectEvent(input: ProjectableEvent): SqlStatement[] {
  return PROJECTIONS.flatMap((projection) => projection(input));
}

/** Tables built only from the event log: a rebuild truncates them and reads the log again. */
export const READ_MODEL_TABLES = [
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
] as const;
