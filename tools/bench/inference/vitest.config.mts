// Runs the inference benchmarks (bash tools/models/install.sh first):
//   npx vitest run --config tools/bench/inference/vitest.config.mts
import { benchConfig } from '../vitest.bench.mts';

export default benchConfig(import.meta.dirname, 600_000);
