// Runs the tracing overhead benchmark:
//   npx vitest run --config tools/bench/tracing/vitest.config.mts
import { benchConfig } from '../vitest.bench.mts';

export default benchConfig(import.meta.dirname, 600_000);
