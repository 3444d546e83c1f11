// Runs the pipeline benchmark (see README.md: models, built apps, the stack):
//   npx vitest run --config tools/bench/pipeline/vitest.config.mts
import { benchConfig } from '../vitest.bench.mts';

export default benchConfig(import.meta.dirname, 1_800_000);
