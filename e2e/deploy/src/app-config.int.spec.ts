// The environment each Deployment sets is read by the app's own config schema (one source of truth): every
// variable set is a key of the schema, the schema accepts the values, the ports the pod exposes and probes are
// the ones the config yields, and nothing an app talks to is left at a loopback default.
//
// The schemas come from the apps themselves (app-schemas.ts). The standard OpenTelemetry variables (OTEL_*) are
// read by @imageflow/observability's tracingConfigFromEnv, which every app's main calls through startTracing: they
// are checked against that function instead (each one must change what it yields, so none is ignored).
import { loadConfig } from '@imageflow/config';
import { type TracingConfig, tracingConfigFromEnv } from '@imageflow/observability';
import { describe, expect, it } from 'vitest';
import { type AppSchema, DEPLOYABLES } from './app-schemas';
import {
  build,
  type Container,
  type EnvVar,
  type K8sObject,
  ofKind,
  OVERLAYS,
  type Probe,
  workloads,
} from './manifests';

const APPS: Record<
  string,
  { schema: AppSchema; ports: (c: Record<string, unknown>) => number[]; unused: Record<string, string> }
> = {
  gateway: { schema: DEPLOYABLES['gateway']!.schema, ports: (c) => [c['HTTP_PORT'] as number], unused: {} },
  orchestrator: {
    schema: DEPLOYABLES['orchestrator']!.schema,
    ports: (c) => [c['METRICS_PORT'] as number],
    unused: {
      S3_ENDPOINT: 'from the shared stack shape; the orchestrator talks to Kafka only (ARCHITECTURE.md)',
      DATABASE_URL: 'from the shared stack shape; the orchestrator talks to Kafka only (ARCHITECTURE.md)',
    },
  },
  projector: {
    schema: DEPLOYABLES['projector']!.schema,
    ports: (c) => [c['METRICS_PORT'] as number],
    unused: { S3_ENDPOINT: 'from the shared stack shape; the projector talks to Kafka and Postgres only' },
  },
  'compute-image': {
    schema: DEPLOYABLES['compute-image']!.schema,
    ports: (c) => [c['COMPUTE_IMAGE_PORT'] as number, c['COMPUTE_IMAGE_METRICS_PORT'] as number],
    unused: {},
  },
  'compute-ai': {
    schema: DEPLOYABLES['compute-ai']!.schema,
    ports: (c) => [c['COMPUTE_AI_PORT'] as number, c['COMPUTE_AI_METRICS_PORT'] as number],
    unused: {},
  },
  'stage-worker-image': {
    schema: DEPLOYABLES['stage-worker-image']!.schema,
    ports: (c) => [c['METRICS_PORT'] as number],
    unused: {
      DATABASE_URL: 'from the shared stack shape; stage workers use Kafka, the object store and gRPC',
    },
  },
  'stage-worker-ai': {
    schema: DEPLOYABLES['stage-worker-image']!.schema,
    ports: (c) => [c['METRICS_PORT'] as number],
    unused: {
      DATABASE_URL: 'from the shared stack shape; stage workers use Kafka, the object store and gRPC',
    },
  },
};

/** A stand-in value for a variable whose value comes from a Secret or the pod (never committed). */
const placeholder = (v: EnvVar): string => {
  if (v.valueFrom?.fieldRef) return 'pod-name-0';
  if (v.valueFrom?.secretKeyRef?.key === 'url')
    return 'postgres://app:secret@imageflow-pg-rw.imageflow-storage.svc:5432/imageflow';
  return 'secret-value';
};

/** The environment a container gets: envFrom ConfigMaps, then env (which wins), as the kubelet does. */
function environmentOf(
  objects: K8sObject[],
  namespace: string,
  c: Container,
): { env: Record<string, string>; fromSecrets: string[] } {
  const env: Record<string, string> = {};
  const fromSecrets: string[] = [];
  for (const from of c.envFrom ?? []) {
    expect(from.secretRef, 'no envFrom Secret: every secret variable is named').toBeUndefined();
    const cm = ofKind<K8sObject & { data?: Record<string, string> }>(objects, 'ConfigMap').find(
      (m) => m.metadata.name === from.configMapRef?.name && m.metadata.namespace === namespace,
    );
    expect(cm, `ConfigMap ${from.configMapRef?.name} in ${namespace}`).toBeDefined();
    Object.assign(env, cm!.data ?? {});
  }
  for (const v of c.env ?? []) {
    if (v.valueFrom?.secretKeyRef) fromSecrets.push(v.name);
    env[v.name] = v.value ?? placeholder(v);
  }
  return { env, fromSecrets };
}

const probePort = (p: Probe | undefined, c: Container): number | undefined => {
  const port = p?.httpGet?.port ?? p?.grpc?.port;
  return typeof port === 'string' ? c.ports?.find((x) => x.name === port)?.containerPort : port;
};

describe.each(OVERLAYS)('app configuration in overlays/%s', (overlay) => {
  const objects = build(overlay);
  const apps = workloads(objects).filter(
    (w) => w.metadata.labels?.['app.kubernetes.io/part-of'] === 'imageflow' && w.metadata.name in APPS,
  );

  it('has a Deployment for every app and stage kind', () => {
    expect(apps.map((w) => w.metadata.name).sort()).toEqual(Object.keys(APPS).sort());
  });

  it.each(Object.keys(APPS))(
    '%s: sets only variables its config schema reads, and the schema accepts them',
    (name) => {
      const w = apps.find((a) => a.metadata.name === name)!;
      const app = APPS[name]!;
      const container = w.spec.template.spec.containers[0]!;
      const { env: all, fromSecrets } = environmentOf(objects, w.metadata.namespace!, container);
      const env = Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith('OTEL_')));
      const keys = Object.keys(app.schema.shape);
      expect(
        Object.keys(env).filter((k) => !keys.includes(k)),
        'variables the app does not read',
      ).toEqual([]);
      // Secrets carry credentials only: S3 keys and the database URL.
      for (const s of fromSecrets) expect(['S3_ACCESS_KEY', 'S3_SECRET_KEY', 'DATABASE_URL']).toContain(s);

      const config = loadConfig(name, app.schema, env) as Record<string, unknown>;
      // Nothing the app talks to may stay at the single-machine loopback default.
      const loopback = Object.entries(config)
        .filter(([k, v]) => JSON.stringify(v).includes('127.0.0.1') && !(k in app.unused))
        .map(([k]) => k);
      expect(loopback, 'left at a 127.0.0.1 default').toEqual([]);
      for (const k of Object.keys(app.unused))
        expect(keys, `${name}: ${k} listed as unused must exist`).toContain(k);
      // Listening on all interfaces, so the kubelet and the other pods reach it.
      for (const [k, v] of Object.entries(config)) if (k.endsWith('_HOST')) expect(v, k).toBe('0.0.0.0');

      // The ports the config yields are the container's ports, and the probes use them.
      const ports = app.ports(config);
      expect(container.ports?.map((p) => p.containerPort).sort()).toEqual([...ports].sort());
      for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
        expect(ports).toContain(probePort(probe, container));
      }
    },
  );

  it.each(Object.keys(APPS))('%s: sets only tracing variables that the tracing setup reads', (name) => {
    const w = apps.find((a) => a.metadata.name === name)!;
    const { env } = environmentOf(objects, w.metadata.namespace!, w.spec.template.spec.containers[0]!);
    const otel = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('OTEL_')));
    const view = (c: TracingConfig) => JSON.stringify(c.enabled ? { ...c, sampler: c.samplerName } : c);
    const traced = tracingConfigFromEnv(name, otel);
    for (const key of Object.keys(otel)) {
      const without = Object.fromEntries(Object.entries(otel).filter(([k]) => k !== key));
      expect(view(tracingConfigFromEnv(name, without)), `${key} has an effect`).not.toBe(view(traced));
    }
    if (name.startsWith('compute-')) {
      // The compute pods reach nothing but what their flows allow (ARCHITECTURE.md): no trace export.
      expect(traced.enabled).toBe(false);
      return;
    }
    // Every other app traces to the collector's OTLP/HTTP port, through its Service.
    expect(traced).toMatchObject({
      enabled: true,
      tracesUrl: 'http://otel-collector.imageflow-monitoring.svc.cluster.local:4318/v1/traces',
    });
    const collector = ofKind<K8sObject & { spec: { ports: { name: string; port: number }[] } }>(
      objects,
      'Service',
    ).find(
      (svc) => svc.metadata.name === 'otel-collector' && svc.metadata.namespace === 'imageflow-monitoring',
    )!;
    expect(collector.spec.ports).toContainEqual(expect.objectContaining({ name: 'otlp-http', port: 4318 }));
  });

  it('gRPC compute services are probed by gRPC health on their gRPC port; HTTP apps by /healthz and /readyz', () => {
    for (const w of apps) {
      const c = w.spec.template.spec.containers[0]!;
      if (w.metadata.name.startsWith('compute-')) {
        const grpc = c.ports?.find((p) => p.name === 'grpc')?.containerPort;
        for (const p of [c.startupProbe, c.livenessProbe, c.readinessProbe])
          expect(p?.grpc?.port, w.metadata.name).toBe(grpc);
      } else {
        expect(c.livenessProbe?.httpGet?.path, w.metadata.name).toBe('/healthz');
        expect(['/readyz', '/healthz']).toContain(c.readinessProbe?.httpGet?.path);
      }
    }
  });
});
