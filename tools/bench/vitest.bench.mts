// One vitest configuration for every benchmark under tools/bench/<name>: each `*.bench.ts` runs as a "test" so the
// @imageflow/* path aliases resolve as in the libs; one file at a time, in a forked process, no timed assertions.
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import tsconfigPaths from 'vite-tsconfig-paths';
import { defineConfig } from 'vitest/config';

const workspaceRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** The configuration of the benchmark folder `dir` (its vitest.config.mts passes `import.meta.dirname`). */
export function benchConfig(dir: string, testTimeout = 600_000) {
  const name = basename(dir);
  return defineConfig({
    root: dir,
    plugins: [
      tsconfigPaths({
        root: workspaceRoot,
        projects: [`tools/bench/${name}/tsconfig.json`, 'tsconfig.base.json'],
      }),
      swc.vite(),
    ],
    test: {
      name: `bench-${name}`,
      include: ['*.bench.ts'],
      environment: 'node',
      pool: 'forks',
      fileParallelism: false,
      testTimeout,
      hookTimeout: 300_000,
      reporters: ['default'],
    },
  });
}
