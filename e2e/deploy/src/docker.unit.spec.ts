// docker/: one Dockerfile per app (base image pinned to .nvmrc, production dependencies only, non-root user,
// healthcheck, exec-form entrypoint at the path the app's build produces, no secrets) and compose.yaml, which
// must parse, name every app and set only variables the apps' config schemas read.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEPLOYABLES } from './app-schemas';
import { readRepoFile, repoRoot } from './manifests';

const APPS = [...new Set(Object.values(DEPLOYABLES).map((d) => d.app))];
// Images of our own tools that the cluster runs besides the apps: docker/tools/<name>.Dockerfile (not Node, so
// apart from the apps' Dockerfiles; checked on their own below).
const TOOL_IMAGES = ['kafka-exporter'];
const nvmrc = readRepoFile('.nvmrc').trim();

/** Instructions per build stage, in order. */
function stages(text: string): { name: string; from: string; instructions: Instruction[] }[] {
  const dockerfile = DockerfileParser.parse(text);
  const result: { name: string; from: string; instructions: Instruction[] }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      result.push({ name: args[2] ?? '', from: args[0]!, instructions: [] });
    } else {
      result.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}
/** The words of an instruction, flags included (dockerfile-ast keeps COPY's --from out of getArguments). */
const args = (i: Instruction): string[] => i.getTextContent().trim().split(/\s+/).slice(1);

describe('docker/*.Dockerfile', () => {
  it('there is one Dockerfile per app and per tool image, and no other', () => {
    const files = readdirSync(join(repoRoot, 'docker')).filter((f) => f.endsWith('.Dockerfile'));
    expect(files.sort()).toEqual(APPS.map((a) => `${a}.Dockerfile`).sort());
    const tools = readdirSync(join(repoRoot, 'docker', 'tools')).filter((f) => f.endsWith('.Dockerfile'));
    expect(tools.sort()).toEqual(TOOL_IMAGES.map((t) => `${t}.Dockerfile`).sort());
    // Every deployable app of apps/ has one. Not deployed on their own: the CLI runs on operators' machines and
    // edge devices, and the web UI is static files the gateway serves.
    const NOT_DEPLOYED = new Set(['cli', 'web']);
    const appDirs = readdirSync(join(repoRoot, 'apps')).filter(
      (d) => existsSync(join(repoRoot, 'apps', d, 'project.json')) && !NOT_DEPLOYED.has(d),
    );
    for (const dir of appDirs) expect(APPS, `apps/${dir} has no Dockerfile`).toContain(dir);
  });

  describe.each(APPS)('%s.Dockerfile', (app) => {
    const text = readRepoFile(`docker/${app}.Dockerfile`);
    const all = stages(text);
    const runtime = all.at(-1)!;
    const keywords = (stage: { instructions: Instruction[] }) =>
      stage.instructions.map((i) => i.getKeyword());

    it('builds every stage from the Node image of .nvmrc (slim), set once by ARG', () => {
      const dockerfile = DockerfileParser.parse(text);
      const nodeImage = dockerfile.getARGs().find((a) => a.getProperty()?.getName() === 'NODE_IMAGE');
      expect(nodeImage?.getProperty()?.getValue()).toBe(`node:${nvmrc}-bookworm-slim`);
      expect(all.length).toBeGreaterThanOrEqual(3);
      for (const stage of all) expect(stage.from, stage.name).toBe('${NODE_IMAGE}');
    });

    it('runs as the unprivileged node user, with a healthcheck and an exec-form entrypoint at the built main.js', () => {
      expect(runtime.name).toBe('runtime');
      const ks = keywords(runtime);
      const user = runtime.instructions.filter((i) => i.getKeyword() === 'USER');
      expect(user.map(args)).toEqual([['node']]);
      expect(ks.indexOf('USER')).toBeLessThan(ks.indexOf('ENTRYPOINT'));
      expect(ks).not.toContain('CMD');
      expect(ks).toContain('HEALTHCHECK');
      const entrypoint = runtime.instructions.find((i) => i.getKeyword() === 'ENTRYPOINT')!;
      const exec = JSON.parse(entrypoint.getArgumentsContent()!) as string[];
      expect(exec[0]).toBe('node');
      expect(exec.at(-1)).toBe(`dist/apps/${app}/src/main.js`);
      // tsc writes apps/<app>/src/main.ts to <outDir>/<path from rootDir>: dist/apps/<app>/apps/<app>/src/main.js,
      // and the image copies dist/apps/<app> to ./dist.
      const tsconfig = parse(readRepoFile(`apps/${app}/tsconfig.app.json`)) as {
        compilerOptions: { outDir: string; rootDir: string };
      };
      expect(tsconfig.compilerOptions).toMatchObject({ outDir: `../../dist/apps/${app}`, rootDir: '../..' });
      expect(existsSync(join(repoRoot, 'apps', app, 'src', 'main.ts'))).toBe(true);
      const copy = runtime.instructions.filter((i) => i.getKeyword() === 'COPY').map(args);
      expect(copy).toContainEqual(['--from=build', `/src/dist/apps/${app}`, './dist']);
      expect(text).toContain(`nx run ${app}:build`);
    });

    it('ships production dependencies only and bakes in no secret', () => {
      const deps = all.find((s) => s.name === 'deps')!;
      expect(
        deps.instructions.some(
          (i) => i.getKeyword() === 'RUN' && /npm ci --omit=dev/.test(i.getArgumentsContent() ?? ''),
        ),
      ).toBe(true);
      const runtimeCopies = runtime.instructions.filter((i) => i.getKeyword() === 'COPY').map(args);
      expect(runtimeCopies).toContainEqual(['--from=deps', '/app/node_modules', './node_modules']);
      expect(
        runtimeCopies.some((c) => c.includes('--from=build') && c.some((p) => p.includes('node_modules'))),
      ).toBe(false);
      for (const stage of all) {
        for (const i of stage.instructions.filter((x) => ['ENV', 'ARG'].includes(x.getKeyword()))) {
          expect(i.getArgumentsContent(), `${stage.name}: ${i.getKeyword()}`).not.toMatch(
            /SECRET|PASSWORD|ACCESS_KEY|TOKEN|DATABASE_URL/i,
          );
        }
      }
    });
  });

  describe('tools/kafka-exporter.Dockerfile', () => {
    const text = readRepoFile('docker/tools/kafka-exporter.Dockerfile');
    const all = stages(text);
    const runtime = all.at(-1)!;
    const argValue = (name: string) =>
      DockerfileParser.parse(text)
        .getARGs()
        .find((a) => a.getProperty()?.getName() === name)
        ?.getProperty()
        ?.getValue();

    it('builds with the Go toolchain of the module and runs on a pinned base image', () => {
      const goMod = readRepoFile('tools/stack/kafka-exporter/go.mod');
      const goVersion = /^go (\d+\.\d+)/m.exec(goMod)![1]!;
      expect(argValue('GO_IMAGE')).toMatch(
        new RegExp(`^golang:${goVersion.replace('.', '\\.')}\\.\\d+-bookworm$`),
      );
      expect(argValue('RUNTIME_IMAGE')).toMatch(/^alpine:\d+\.\d+\.\d+$/);
      expect(all.map((s) => [s.name, s.from])).toEqual([
        ['build', '${GO_IMAGE}'],
        ['runtime', '${RUNTIME_IMAGE}'],
      ]);
      const build = all[0]!.instructions.map((i) => i.getTextContent().trim());
      expect(build).toContain('COPY tools/stack/kafka-exporter/ ./');
      expect(build.some((l) => /CGO_ENABLED=0 go build .*-o \/out\/kafka-exporter \.$/.test(l))).toBe(true);
    });

    it('runs the static binary as a numeric non-root user, with a healthcheck and an exec-form entrypoint', () => {
      const user = runtime.instructions.filter((i) => i.getKeyword() === 'USER').map(args);
      expect(user).toEqual([['65534:65534']]);
      const ks = runtime.instructions.map((i) => i.getKeyword());
      expect(ks.indexOf('USER')).toBeLessThan(ks.indexOf('ENTRYPOINT'));
      expect(ks).toContain('HEALTHCHECK');
      expect(ks).not.toContain('CMD');
      const copies = runtime.instructions.filter((i) => i.getKeyword() === 'COPY').map(args);
      expect(copies).toEqual([['--from=build', '/out/kafka-exporter', '/usr/local/bin/kafka-exporter']]);
      const entrypoint = runtime.instructions.find((i) => i.getKeyword() === 'ENTRYPOINT')!;
      const exec = JSON.parse(entrypoint.getArgumentsContent()!) as string[];
      expect(exec[0]).toBe('/usr/local/bin/kafka-exporter');
      expect(exec).toContain('--web.listen-address=0.0.0.0:9308');
      for (const stage of all)
        for (const i of stage.instructions.filter((x) => ['ENV', 'ARG'].includes(x.getKeyword())))
          expect(i.getArgumentsContent()).not.toMatch(/SECRET|PASSWORD|ACCESS_KEY|TOKEN/i);
    });
  });

  it('.dockerignore keeps dependencies, build output, local state and secrets out of the context', () => {
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.imageflow', '.env'])
      expect(ignored).toContain(entry);
  });
});

describe('docker/compose.yaml', () => {
  type Service = {
    image?: string;
    build?: { context: string; dockerfile: string };
    environment?: Record<string, string | number>;
  };
  const compose = parse(readFileSync(join(repoRoot, 'docker', 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };

  it('parses and runs every app, each stage kind, and the engines', () => {
    const names = Object.keys(compose.services);
    for (const name of Object.keys(DEPLOYABLES)) expect(names).toContain(name);
    for (const engine of ['kafka', 'minio', 'postgres', 'apicurio', 'prometheus', 'grafana'])
      expect(names).toContain(engine);
  });

  it('pins every image by tag and builds each app image from its own Dockerfile', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image, name).toMatch(/:[A-Za-z0-9_][A-Za-z0-9._-]*$/);
      expect(service.image, name).not.toMatch(/:latest$/);
      if (service.build) {
        expect(
          existsSync(join(repoRoot, 'docker', service.build.context, service.build.dockerfile)),
          name,
        ).toBe(true);
      }
    }
    for (const [name, { app }] of Object.entries(DEPLOYABLES)) {
      expect(compose.services[name]!.image).toBe(`ghcr.io/imageflow/${app}:0.1.0`);
      // Each image is built once (the ai worker reuses the image worker's image).
      const builders = Object.values(compose.services).filter(
        (s) => s.build?.dockerfile === `docker/${app}.Dockerfile`,
      );
      expect(builders, app).toHaveLength(1);
    }
  });

  it.each(Object.keys(DEPLOYABLES))(
    '%s: sets only variables its config schema reads, and the schema accepts them',
    (name) => {
      const { schema } = DEPLOYABLES[name]!;
      const env = Object.fromEntries(
        Object.entries(compose.services[name]!.environment ?? {}).map(([k, v]) => [
          k,
          String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'),
        ]),
      );
      const keys = Object.keys(schema.shape);
      expect(Object.keys(env).filter((k) => !keys.includes(k))).toEqual([]);
      expect(schema.safeParse(env).success).toBe(true);
    },
  );
});
