// The apps' own config schemas (zod; read by `loadConfig` at start-up), the one source of truth for the variables
// a Deployment or a compose service may set. Imported by relative path: the apps are not libraries (no path alias),
// and these tests exist to hold the deployment files to them. Only the schemas are read; nothing of the apps runs.
/* eslint-disable @nx/enforce-module-boundaries -- test-only import of the apps' exported config schemas (see above) */
import { computeAiConfigSchema } from '../../../apps/compute-ai/src/compute-ai.config';
import { computeImageConfigSchema } from '../../../apps/compute-image/src/compute-image.config';
import { gatewayConfigSchema } from '../../../apps/gateway/src/config/gateway.config';
import { orchestratorConfigSchema } from '../../../apps/orchestrator/src/config';
import { projectorConfigSchema } from '../../../apps/projector/src/projector.config';
import { stageWorkerConfigSchema } from '../../../apps/stage-worker/src/config';
/* eslint-enable @nx/enforce-module-boundaries */
import type { z } from '@imageflow/config';

export type AppSchema = z.ZodObject;

/** Deployable units: every app, and the stage worker once per stage kind. `app` is the apps/<app> project. */
export const DEPLOYABLES: Record<string, { app: string; schema: AppSchema }> = {
  gateway: { app: 'gateway', schema: gatewayConfigSchema },
  orchestrator: { app: 'orchestrator', schema: orchestratorConfigSchema },
  projector: { app: 'projector', schema: projectorConfigSchema },
  'compute-image': { app: 'compute-image', schema: computeImageConfigSchema },
  'compute-ai': { app: 'compute-ai', schema: computeAiConfigSchema },
  'stage-worker-image': { app: 'stage-worker', schema: stageWorkerConfigSchema },
  'stage-worker-ai': { app: 'stage-worker', schema: stageWorkerConfigSchema },
};
