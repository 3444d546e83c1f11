// One test configuration for every project; the tier comes from `--mode unit|int|e2e`.
// unit: pure and fast; int: real Kafka/S3/Postgres/gRPC from the local stack; e2e: the whole system.
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import tsconfigPaths from 'vite-tsconfig-paths';
import { defineConfig, type UserConfig } from 'vitest/config';

const workspaceRoot = dirname(fileURLToPath(import.meta.url));
const TIERS = ['unit', 'int', 'e2e'] as const;
type Tier = (typeof TIERS)[number];

export function projectVitestConfig(projectDir: string) {
  return defineConfig(({ mode }): UserConfig => {
    const tier = (TIERS as readonly string[]).includes(mode) ? (mode as Tier) : 'unit';
    const project = relative(workspaceRoot, projectDir).replaceAll('/', '-');
    return {
      root: projectDir,
      // SWC keeps decorator metadata, which NestJS dependency injection needs.
      plugins: [
        tsconfigPaths({ root: workspaceRoot }),
        swc.vite({ tsconfigFile: join(workspaceRoot, 'tsconfig.base.json') }),
      ],
      test: {
        name: `${basename(projectDir)}:${tier}`,
        include: [`**/*.${tier}.spec.ts`, `**/*.${tier}.spec.tsx`],
        exclude: ['**/node_modules/**', '**/dist/**'],
        environment: 'node',
        pool: 'forks',
        // Integration tests share one Kafka, one Postgres and one object store: run their files one by one.
        fileParallelism: tier === 'unit',
        testTimeout: tier === 'unit' ? 10_000 : 180_000,
        hookTimeout: tier === 'unit' ? 10_000 : 180_000,
        reporters: [
          'default',
          ['json', { outputFile: join(workspaceRoot, 'tmp', 'test-results', `${project}.${tier}.json`) }],
        ],
      },
    };
  });
}
