// Conventions of the workspace that no compiler checks: Node versions agree, every project is tagged on both
// axes and documented, and the module-boundary rules really refuse a forbidden import.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

function projects(): { dir: string; name: string; tags: string[] }[] {
  const found: { dir: string; name: string; tags: string[] }[] = [];
  for (const group of ['apps', 'libs', 'e2e', 'tools']) {
    if (!existsSync(join(root, group))) continue;
    for (const entry of readdirSync(join(root, group))) {
      const file = join(root, group, entry, 'project.json');
      if (!existsSync(file)) continue;
      const project = JSON.parse(readFileSync(file, 'utf8')) as { name: string; tags?: string[] };
      found.push({ dir: `${group}/${entry}`, name: project.name, tags: project.tags ?? [] });
    }
  }
  return found;
}

describe('workspace conventions', () => {
  it('pins one Node.js 24 across .nvmrc, package.json engines, the node package and the Dockerfiles', () => {
    const nvmrc = read('.nvmrc').trim();
    const pkg = JSON.parse(read('package.json')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(nvmrc).toMatch(/^24\.\d+\.\d+$/);
    expect(pkg.devDependencies['node']).toBe(nvmrc);
    expect(pkg.engines.node).toMatch(/^>=24\./);
    // One Dockerfile per app (docker/<app>.Dockerfile; e2e/deploy checks their stages, user and entrypoint).
    const dockerfiles = readdirSync(join(root, 'docker')).filter((f) => f.endsWith('.Dockerfile'));
    expect(dockerfiles.length).toBeGreaterThan(0);
    for (const file of dockerfiles)
      expect(read(`docker/${file}`), file).toContain(`ARG NODE_IMAGE=node:${nvmrc}-`);
    expect(process.versions.node).toBe(nvmrc);
  });

  it('tags every project on both axes and gives it a README', () => {
    const all = projects();
    expect(all.length).toBeGreaterThan(3);
    for (const project of all) {
      expect(
        project.tags.filter((t) => t.startsWith('type:')),
        project.name,
      ).toHaveLength(1);
      expect(
        project.tags.filter((t) => t.startsWith('scope:')),
        project.name,
      ).toHaveLength(1);
      if (!project.dir.startsWith('tools/checks') && !project.dir.startsWith('e2e/')) {
        expect(existsSync(join(root, project.dir, 'README.md')), `${project.dir}/README.md`).toBe(true);
      }
    }
  });

  it('refuses an import that breaks the dependency rules (contracts may depend on nothing of ours)', async () => {
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText(
      "import { createLogger } from '@imageflow/observability';\nexport const log = createLogger('x');\n",
      { filePath: join(root, 'libs/contracts/src/forbidden-import.ts') },
    );
    const rules = result?.messages.map((m) => m.ruleId);
    expect(rules).toContain('@nx/enforce-module-boundaries');
  });

  it('allows the same import where the rules permit it', async () => {
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText(
      "import { TOPICS } from '@imageflow/contracts';\nexport const t = TOPICS.images;\n",
      { filePath: join(root, 'libs/observability/src/allowed-import.ts') },
    );
    expect(result?.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries')).toEqual([]);
  });
});
