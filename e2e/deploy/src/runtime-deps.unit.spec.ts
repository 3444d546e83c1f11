// The images install production dependencies only (`npm ci --omit=dev`): every package an app's runtime code
// imports — its own sources and, through the @imageflow/* path aliases, the libraries' — must be a production
// dependency in package.json, or the container fails at start with "Cannot find module".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOYABLES } from './app-schemas';
import { readRepoFile, repoRoot } from './manifests';

const pkg = JSON.parse(readRepoFile('package.json')) as { dependencies: Record<string, string> };
const paths = (
  JSON.parse(readRepoFile('tsconfig.base.json')) as { compilerOptions: { paths: Record<string, string[]> } }
).compilerOptions.paths;
const builtins = new Set(builtinModules);

/** Runtime sources below a directory: .ts files that are not tests, test helpers or type declarations. */
function sources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (!['node_modules', 'testing', '__fixtures__', 'generated-test'].includes(entry))
        found.push(...sources(path));
    } else if (
      /\.ts$/.test(entry) &&
      !/\.(spec|test|d)\.ts$/.test(entry) &&
      !/test-harness|testing/.test(entry)
    ) {
      found.push(path);
    }
  }
  return found;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]|(?:^|[^.\w])(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Packages (name or @scope/name) imported, following @imageflow/* aliases into the libraries' sources. */
function externalImports(app: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [join(repoRoot, 'apps', app, 'src')];
  while (queue.length > 0) {
    const dir = queue.pop()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    for (const file of sources(dir)) {
      const text = readFileSync(file, 'utf8').replace(/^\s*import\s+type\s[^;]+;/gm, '');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2]!;
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        if (spec.startsWith('@imageflow/')) {
          const target = paths[spec]?.[0];
          expect(target, `${file}: ${spec} has no path alias`).toBeDefined();
          if (/\/testing\b/.test(spec)) throw new Error(`${file}: runtime code imports ${spec}`);
          const libSrc = join(repoRoot, target!.replace(/\/[^/]+\.ts$/, ''));
          if (existsSync(libSrc)) queue.push(libSrc);
          continue;
        }
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!packages.has(name)) packages.set(name, file.slice(repoRoot.length + 1));
      }
    }
  }
  return packages;
}

describe('runtime dependencies of the images', () => {
  it.each([...new Set(Object.values(DEPLOYABLES).map((d) => d.app))])(
    '%s imports only production dependencies',
    (app) => {
      const imports = externalImports(app);
      expect(imports.size).toBeGreaterThan(0);
      const missing = [...imports]
        .filter(([name]) => !(name in pkg.dependencies))
        .map(([name, file]) => `${name} (${file})`);
      expect(missing).toEqual([]);
    },
  );
});
