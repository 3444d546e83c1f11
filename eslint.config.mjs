// Lint rules that carry the architecture (ARCHITECTURE.md "Dependencies point one way").
// Two tag axes: `type:` says what a project is, `scope:` says which runtime border it lives behind.
import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: [
      '**/dist',
      '**/node_modules',
      '**/.imageflow',
      '**/generated/**',
      '**/vitest.config.*.timestamp*',
    ],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          allow: [],
          depConstraints: [
            // --- type axis -------------------------------------------------------------
            // contracts and pipeline are the ground floor: nothing of ours below them.
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:contracts'] },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:util'],
            },
            { sourceTag: 'type:compute', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:contracts',
                'type:domain',
                'type:util',
                'type:data-access',
                'type:compute',
              ],
            },
            {
              sourceTag: 'type:test',
              onlyDependOnLibsWithTags: [
                'type:contracts',
                'type:domain',
                'type:util',
                'type:data-access',
                'type:compute',
              ],
            },
            // --- scope axis ------------------------------------------------------------
            // The browser bundle sees only the shared, pure libraries.
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:shared'] },
            // Compute services are pure request/response: no Kafka, no Postgres.
            {
              sourceTag: 'scope:compute',
              onlyDependOnLibsWithTags: ['scope:shared', 'scope:compute', 'scope:storage'],
              bannedExternalImports: ['kafkajs', 'pg', '@kafkajs/*'],
            },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:kafka', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:storage', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:db', onlyDependOnLibsWithTags: ['scope:shared'] },
            {
              sourceTag: 'scope:cli',
              onlyDependOnLibsWithTags: ['scope:shared'],
              bannedExternalImports: ['kafkajs', 'pg', 'minio'],
            },
            {
              sourceTag: 'scope:backend',
              onlyDependOnLibsWithTags: [
                'scope:shared',
                'scope:kafka',
                'scope:storage',
                'scope:db',
                'scope:compute',
              ],
            },
            {
              sourceTag: 'scope:tools',
              onlyDependOnLibsWithTags: [
                'scope:shared',
                'scope:kafka',
                'scope:storage',
                'scope:db',
                'scope:compute',
              ],
            },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
];
