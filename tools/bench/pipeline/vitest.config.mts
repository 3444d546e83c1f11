// Runs the pipeline benchmark as one vitest "test" each, so the @imageflow/* path aliases resolve as in the libs.
//   bash tools/models/install.sh && npx vitest run --config tools/bench/pipeline/vitest.config.mts
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import tsconfigPaths from 'vite-tsconfig-paths';
import { defineConfig } from 'vitest/config';

const workspaceRoot = dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))));

export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
  plugins: [
    tsconfigPaths({
      root: workspaceRoot,
      projects: ['tools/bench/pipeline/tsconfig.json', 'tsconfig.base.json'],
    }),
    swc.vite(),
  ],
  test: {
    name: 'bench-pipeline',
    include: ['*.bench.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
