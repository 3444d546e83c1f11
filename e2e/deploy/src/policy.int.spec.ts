// Policy over the built manifests of every overlay: what every workload must carry (resources, probes, a
// non-root locked-down securityContext, pinned images), default-deny networking with only ARCHITECTURE.md's
// flows, no Secret data, PDBs, KEDA on the stage workers' lag, Kafka topics and buckets of libs/contracts.
import { BUCKETS, stageTopic, TOPICS } from '@imageflow/contracts';
import { describe, expect, it } from 'vitest';
import {
  build,
  type Container,
  idOf,
  type K8sObject,
  NAMESPACES,
  ofKind,
  OVERLAYS,
  type PodSpec,
  readRepoFile,
  type Workload,
  workloads,
} from './manifests';
import { allowed, isEmptySelector, matches, type NetworkPolicy, type Pod, policiesFor } from './network';

type Spec<T> = K8sObject & { spec: T };
type ConfigMap = K8sObject & { data?: Record<string, string> };
const STAGE_KINDS = ['image', 'ai'];

/** name:tag with a real tag (not latest), or a digest. */
const pinned = (image: string): boolean =>
  /@sha256:[0-9a-f]{64}$/.test(image) ||
  /^[^@]+:(?!latest$)[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(image.replace(/^[^/]+:\d+\//, ''));

const podOf = (w: Workload): Pod => ({
  namespace: w.metadata.namespace!,
  labels: w.spec.template.metadata.labels,
});
const workload = (objects: K8sObject[], name: string): Workload => {
  const found = workloads(objects).find((w) => w.metadata.name === name);
  if (!found) throw new Error(`no workload ${name}`);
  return found;
};
const configMapOf = (objects: K8sObject[], w: Workload): Record<string, string> => {
  const ref = w.spec.template.spec.containers[0]!.envFrom?.[0]?.configMapRef?.name;
  const cm = ofKind<ConfigMap>(objects, 'ConfigMap').find(
    (c) => c.metadata.name === ref && c.metadata.namespace === w.metadata.namespace,
  );
  return cm?.data ?? {};
};
// Pods of the engines, by the labels their operators give them.
const KAFKA: Pod = {
  namespace: 'imageflow-storage',
  labels: { 'strimzi.io/cluster': 'imageflow', 'strimzi.io/kind': 'Kafka' },
};
const MINIO: Pod = { namespace: 'imageflow-storage', labels: { 'app.kubernetes.io/name': 'minio' } };
const POSTGRES: Pod = { namespace: 'imageflow-storage', labels: { 'cnpg.io/cluster': 'imageflow-pg' } };
const DNS: Pod = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const API_SERVER_LIKE: Pod = { namespace: 'default', labels: { component: 'apiserver' } };
const INTERNET: Pod = { namespace: 'elsewhere', labels: {} };

describe.each(OVERLAYS)('policy of overlays/%s', (overlay) => {
  const objects = build(overlay);
  const policies = ofKind<NetworkPolicy>(objects, 'NetworkPolicy');

  it('every container has requests, limits, three probes, a locked-down non-root securityContext and a pinned image', () => {
    const problems: string[] = [];
    const ws = workloads(objects);
    expect(ws.length).toBeGreaterThanOrEqual(10);
    for (const w of ws) {
      const pod = w.spec.template.spec;
      const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])] as Container[]) {
        const id = `${idOf(w)} container ${c.name}`;
        const need = (ok: unknown, what: string) => ok || problems.push(`${id}: ${what}`);
        for (const r of ['cpu', 'memory']) {
          need(c.resources?.requests?.[r], `requests.${r}`);
          need(c.resources?.limits?.[r], `limits.${r}`);
        }
        need(c.startupProbe, 'startupProbe');
        need(c.livenessProbe, 'livenessProbe');
        need(c.readinessProbe, 'readinessProbe');
        need(pinned(c.image), `image pinned by tag (${c.image})`);
        need((c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) === true, 'runAsNonRoot');
        need(pod.securityContext?.runAsUser !== 0, 'runAsUser not 0');
        need(c.securityContext?.allowPrivilegeEscalation === false, 'allowPrivilegeEscalation false');
        need(c.securityContext?.readOnlyRootFilesystem === true, 'readOnlyRootFilesystem');
        need(c.securityContext?.capabilities?.drop?.includes('ALL'), 'capabilities drop ALL');
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        need(tmp && volumes.get(tmp.name)?.emptyDir, 'an emptyDir at /tmp');
      }
    }
    expect(problems).toEqual([]);
  });

  it('every Job container has requests, limits and the same locked-down non-root securityContext', () => {
    const jobs = ofKind<Spec<{ template: { spec: PodSpec } }>>(objects, 'Job');
    expect(jobs.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const job of jobs) {
      const pod = job.spec.template.spec;
      const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
      for (const c of pod.containers) {
        const need = (ok: unknown, what: string) => ok || problems.push(`${idOf(job)} ${c.name}: ${what}`);
        for (const r of ['cpu', 'memory']) {
          need(c.resources?.requests?.[r], `requests.${r}`);
          need(c.resources?.limits?.[r], `limits.${r}`);
        }
        need((c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) === true, 'runAsNonRoot');
        need(c.securityContext?.allowPrivilegeEscalation === false, 'allowPrivilegeEscalation false');
        need(c.securityContext?.readOnlyRootFilesystem === true, 'readOnlyRootFilesystem');
        need(c.securityContext?.capabilities?.drop?.includes('ALL'), 'capabilities drop ALL');
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        need(tmp && volumes.get(tmp.name)?.emptyDir, 'an emptyDir at /tmp');
      }
    }
    expect(problems).toEqual([]);
  });

  it('operator-run engines and Jobs use pinned images too', () => {
    const pg = ofKind<Spec<{ imageName: string }>>(objects, 'Cluster')[0]!;
    expect(pinned(pg.spec.imageName)).toBe(true);
    const kafka = ofKind<Spec<{ kafka: { version: string; image?: string } }>>(objects, 'Kafka')[0]!;
    // Strimzi picks the image of exactly this Kafka version from its own (pinned) release.
    expect(kafka.spec.kafka.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(kafka.spec.kafka.image).toBeUndefined();
    const jobs = ofKind<Spec<{ template: { spec: { containers: Container[] } } }>>(objects, 'Job');
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs)
      for (const c of job.spec.template.spec.containers)
        expect(pinned(c.image), `${idOf(job)} ${c.image}`).toBe(true);
  });

  it('every Deployment and StatefulSet has one PodDisruptionBudget that selects its pods', () => {
    const pdbs = ofKind<Spec<{ selector: { matchLabels: Record<string, string> }; maxUnavailable?: number }>>(
      objects,
      'PodDisruptionBudget',
    );
    const disruptable = [
      ...ofKind<Workload>(objects, 'Deployment'),
      ...ofKind<Workload>(objects, 'StatefulSet'),
    ];
    expect(disruptable.length).toBeGreaterThanOrEqual(11);
    for (const d of disruptable) {
      const pdb = pdbs.filter(
        (p) =>
          p.metadata.namespace === d.metadata.namespace &&
          matches(p.spec.selector, d.spec.template.metadata.labels),
      );
      expect(pdb, idOf(d)).toHaveLength(1);
      // maxUnavailable, not minAvailable: a one-replica Deployment can still be drained.
      expect(pdb[0]!.spec.maxUnavailable, idOf(d)).toBe(1);
    }
  });

  it('every namespace has a default-deny NetworkPolicy for both directions', () => {
    for (const ns of NAMESPACES) {
      const deny = policies.filter(
        (p) =>
          p.metadata.namespace === ns &&
          isEmptySelector(p.spec.podSelector) &&
          ['Ingress', 'Egress'].every((t) => p.spec.policyTypes?.includes(t)) &&
          !p.spec.ingress &&
          !p.spec.egress,
      );
      expect(deny, ns).toHaveLength(1);
    }
  });

  it('allows only the flows of ARCHITECTURE.md between the apps and the engines', () => {
    const pod = (name: string) => podOf(workload(objects, name));
    const [gateway, orchestrator, projector, computeImage, computeAi, swImage, swAi] = [
      'gateway',
      'orchestrator',
      'projector',
      'compute-image',
      'compute-ai',
      'stage-worker-image',
      'stage-worker-ai',
    ].map(pod) as Pod[];
    const registry = pod('apicurio-registry');
    const flow = (from: Pod, to: Pod, port: number) => allowed(policies, from, to, port);

    // Compute services take gRPC from their own stage workers, and from the gateway for Describe (the parts
    // catalog, ARCHITECTURE.md: gateway → compute), from nobody else.
    expect(flow(swImage!, computeImage!, 50051)).toBe(true);
    expect(flow(swAi!, computeAi!, 50052)).toBe(true);
    expect(flow(gateway!, computeImage!, 50051)).toBe(true);
    expect(flow(gateway!, computeAi!, 50052)).toBe(true);
    for (const other of [orchestrator, projector, swAi, computeAi, INTERNET])
      expect(flow(other!, computeImage!, 50051)).toBe(false);
    for (const other of [orchestrator, projector, swImage, computeImage, INTERNET])
      expect(flow(other!, computeAi!, 50052)).toBe(false);
    // compute-image reaches nothing; compute-ai DNS and the object store only.
    expect(policiesFor(policies, computeImage!, 'Egress').flatMap((p) => p.spec.egress ?? [])).toEqual([]);
    for (const target of [KAFKA, POSTGRES, registry, MINIO, DNS, INTERNET, API_SERVER_LIKE])
      expect(flow(computeImage!, target, 443)).toBe(false);
    expect(flow(computeAi!, MINIO, 9000)).toBe(true);
    expect(flow(computeAi!, DNS, 53)).toBe(true);
    for (const [target, port] of [
      [KAFKA, 9092],
      [POSTGRES, 5432],
      [registry, 8080],
      [INTERNET, 443],
    ] as const) {
      expect(
        flow(computeAi!, target, port),
        `compute-ai → ${target.labels['app.kubernetes.io/name'] ?? target.namespace}`,
      ).toBe(false);
    }
    // The apps: Kafka for all but compute; Postgres for the gateway and projector only; the store for gateway and workers.
    for (const app of [gateway, orchestrator, projector, swImage, swAi]) {
      expect(flow(app!, KAFKA, 9092)).toBe(true);
      expect(flow(app!, registry, 8080)).toBe(true);
      expect(flow(app!, INTERNET, 443)).toBe(false);
    }
    expect(flow(gateway!, POSTGRES, 5432)).toBe(true);
    expect(flow(projector!, POSTGRES, 5432)).toBe(true);
    for (const app of [orchestrator, swImage, swAi, computeAi])
      expect(flow(app!, POSTGRES, 5432)).toBe(false);
    for (const app of [gateway, swImage, swAi]) expect(flow(app!, MINIO, 9000)).toBe(true);
    for (const app of [orchestrator, projector]) expect(flow(app!, MINIO, 9000)).toBe(false);
    // Only the ingress controller reaches the gateway from outside the monitoring namespace.
    expect(
      flow({ namespace: 'kube-system', labels: { 'app.kubernetes.io/name': 'traefik' } }, gateway!, 8080),
    ).toBe(true);
    expect(flow(INTERNET, gateway!, 8080)).toBe(false);
  });

  it('lets the Kafka exporter reach Kafka only, only Prometheus reach the exporter, and the gateway query Prometheus', () => {
    const exporter = podOf(workload(objects, 'kafka-exporter'));
    const flow = (from: Pod, to: Pod, port: number) => allowed(policies, from, to, port);
    const prometheus: Pod = {
      namespace: 'imageflow-monitoring',
      labels: {
        'app.kubernetes.io/name': 'prometheus',
        'operator.prometheus.io/name': 'kube-prometheus-stack',
      },
    };
    expect(flow(exporter, KAFKA, 9092)).toBe(true);
    expect(flow(exporter, DNS, 53)).toBe(true);
    const gateway = podOf(workload(objects, 'gateway'));
    const registry = podOf(workload(objects, 'apicurio-registry'));
    for (const [target, port] of [
      [POSTGRES, 5432],
      [MINIO, 9000],
      [registry, 8080],
      [gateway, 8080],
      [INTERNET, 443],
      [API_SERVER_LIKE, 6443],
    ] as const)
      expect(flow(exporter, target, port), `kafka-exporter → ${target.namespace}`).toBe(false);
    expect(flow(prometheus, exporter, 9308)).toBe(true);
    expect(flow(gateway, exporter, 9308)).toBe(false);
    expect(flow(INTERNET, exporter, 9308)).toBe(false);
    // Prometheus itself still scrapes the apps, and only the gateway (PROMETHEUS_URL) queries its API from outside.
    expect(flow(prometheus, gateway, 8080)).toBe(true);
    expect(flow(gateway, prometheus, 9090)).toBe(true);
    for (const other of ['orchestrator', 'projector', 'stage-worker-image', 'compute-ai'])
      expect(flow(podOf(workload(objects, other)), prometheus, 9090), other).toBe(false);
  });

  it('lets the apps that trace reach the OTel Collector (OTLP/HTTP), and the collector reach Tempo', () => {
    const flow = (from: Pod, to: Pod, port: number) => allowed(policies, from, to, port);
    const collector = podOf(workload(objects, 'otel-collector'));
    const tempo = podOf(workload(objects, 'tempo'));
    for (const name of ['gateway', 'orchestrator', 'projector', 'stage-worker-image', 'stage-worker-ai'])
      expect(flow(podOf(workload(objects, name)), collector, 4318), name).toBe(true);
    for (const name of ['compute-image', 'compute-ai'])
      expect(flow(podOf(workload(objects, name)), collector, 4318), name).toBe(false);
    expect(flow(INTERNET, collector, 4318)).toBe(false);
    expect(flow(collector, tempo, 4317)).toBe(true);
  });

  it('runs the Kafka exporter with flags its program defines, against the brokers the apps use', () => {
    const source = readRepoFile('tools/stack/kafka-exporter/main.go');
    const flags = new Set(
      [...source.matchAll(/flag\.(?:String|Duration|Var|Bool|Int)\((?:&\w+, )?"([^"]+)"/g)].map((m) => m[1]!),
    );
    expect(flags).toContain('kafka.server');
    const exporter = workload(objects, 'kafka-exporter').spec.template.spec.containers[0]!;
    const args = exporter.args ?? [];
    for (const arg of args) expect(flags, arg).toContain(/^--([^=]+)=/.exec(arg)![1]);
    const server = args.find((a) => a.startsWith('--kafka.server='))!.split('=')[1];
    expect(server).toBe(configMapOf(objects, workload(objects, 'orchestrator'))['KAFKA_BROKERS']);
    // The image's own entrypoint listens on all interfaces; the pod serves the port its Service and probes name.
    expect(args).toContain('--web.listen-address=0.0.0.0:9308');
    expect(exporter.ports?.map((p) => p.containerPort)).toEqual([9308]);
  });

  it('commits no Secret data; every referenced Secret is documented in deploy/README.md', () => {
    for (const s of ofKind<K8sObject>(objects, 'Secret')) {
      expect(s['data'], idOf(s)).toBeUndefined();
      expect(s['stringData'], idOf(s)).toBeUndefined();
    }
    const text = JSON.stringify(objects);
    const referenced = new Set<string>();
    for (const m of text.matchAll(/"secretKeyRef":\{[^}]*"name":"([^"]+)"/g)) referenced.add(m[1]!);
    for (const m of text.matchAll(/"secretName":"([^"]+)"/g)) referenced.add(m[1]!);
    for (const m of text.matchAll(/"(?:accessKeyId|secretAccessKey)":\{[^}]*"name":"([^"]+)"/g))
      referenced.add(m[1]!);
    expect(referenced.size).toBeGreaterThanOrEqual(9);
    const readme = readRepoFile('deploy/README.md');
    for (const name of referenced)
      expect(readme, `deploy/README.md names Secret ${name}`).toContain(`\`${name}\``);
    // Each key a secretKeyRef reads is in that Secret's row of the README's table.
    const refs: { name: string; key: string }[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'secretKeyRef') refs.push(v as { name: string; key: string });
          else walk(v);
        }
      }
    };
    walk(objects);
    expect(refs.length).toBeGreaterThanOrEqual(10);
    for (const ref of refs) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${ref.name}\``));
      expect(row, `deploy/README.md row of ${ref.name}`).toContain(`\`${ref.key}\``);
    }
  });

  it('exposes the gateway by an Ingress with TLS', () => {
    const ingress = ofKind<
      Spec<{ tls?: { hosts: string[]; secretName: string }[]; rules: { host: string }[] }>
    >(objects, 'Ingress');
    expect(ingress).toHaveLength(1);
    expect(ingress[0]!.spec.tls?.[0]?.secretName).toBeTruthy();
    expect(ingress[0]!.spec.tls?.[0]?.hosts).toContain(ingress[0]!.spec.rules[0]!.host);
  });

  it('declares a KafkaTopic for every topic of libs/contracts and every stage kind, replicated within the node pool', () => {
    const pool = ofKind<Spec<{ replicas: number; roles: string[] }>>(objects, 'KafkaNodePool');
    const brokers = pool
      .filter((p) => p.spec.roles.includes('broker'))
      .reduce((n, p) => n + p.spec.replicas, 0);
    expect(brokers).toBe(overlay === 'production' ? 3 : 1);
    const topics = ofKind<
      Spec<{
        topicName: string;
        partitions: number;
        replicas: number;
        config: Record<string, string | number>;
      }>
    >(objects, 'KafkaTopic');
    const names = topics.map((t) => t.spec.topicName);
    for (const t of [...Object.values(TOPICS), ...STAGE_KINDS.map(stageTopic)]) expect(names).toContain(t);
    for (const t of topics) {
      expect(t.spec.replicas, t.spec.topicName).toBe(Math.min(3, brokers));
      expect(Number(t.spec.config['min.insync.replicas']), t.spec.topicName).toBeLessThan(
        Math.max(2, t.spec.replicas),
      );
      expect(t.spec.config['retention.ms'], `${t.spec.topicName}: retention chosen on purpose`).toBeDefined();
    }
    // The event log and the configuration topic are kept for ever, never compacted (timelines, rebuilds).
    for (const name of [TOPICS.runEvents, TOPICS.pipelines]) {
      const t = topics.find((x) => x.spec.topicName === name)!;
      expect(t.spec.config['retention.ms']).toBe(-1);
      expect(t.spec.config['cleanup.policy']).toBe('delete');
    }
  });

  it('scales each stage worker with KEDA on its own consumer group lag, never past its topic partitions', () => {
    const scaled = ofKind<
      Spec<{
        scaleTargetRef: { name: string };
        minReplicaCount: number;
        maxReplicaCount: number;
        triggers: { type: string; metadata: Record<string, string> }[];
      }>
    >(objects, 'ScaledObject');
    const topics = ofKind<Spec<{ topicName: string; partitions: number }>>(objects, 'KafkaTopic');
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(
      STAGE_KINDS.map((k) => `stage-worker-${k}`).sort(),
    );
    for (const kind of STAGE_KINDS) {
      const w = workload(objects, `stage-worker-${kind}`);
      const config = configMapOf(objects, w);
      const so = scaled.find((s) => s.spec.scaleTargetRef.name === w.metadata.name)!;
      expect(so.metadata.namespace).toBe(w.metadata.namespace);
      expect(config['STAGE_KIND']).toBe(kind);
      const trigger = so.spec.triggers.find((t) => t.type === 'kafka')!;
      expect(trigger.metadata['consumerGroup']).toBe(config['CONSUMER_GROUP']);
      expect(trigger.metadata['topic']).toBe(stageTopic(kind));
      expect(config['STAGE_TOPIC']).toBe(stageTopic(kind));
      expect(trigger.metadata['bootstrapServers']).toBe(config['KAFKA_BROKERS']);
      const partitions = topics.find((t) => t.spec.topicName === stageTopic(kind))!.spec.partitions;
      expect(so.spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
      expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    }
  });

  it('pins compute-ai to GPU nodes in production only', () => {
    const ai = workload(objects, 'compute-ai').spec.template.spec;
    if (overlay === 'production') {
      expect(ai.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
      expect(ai.tolerations).toContainEqual({
        key: 'nvidia.com/gpu',
        operator: 'Exists',
        effect: 'NoSchedule',
      });
      expect(ai.containers[0]!.resources?.limits?.['nvidia.com/gpu']).toBe('1');
    } else {
      expect(ai.nodeSelector).toBeUndefined();
    }
  });

  it('runs MinIO distributed with the buckets of libs/contracts, and Postgres replicated in production', () => {
    const minio = workload(objects, 'minio') as Workload & {
      spec: { volumeClaimTemplates: { metadata: { name: string } }[] };
    };
    const servers = minio.spec.replicas!;
    const drives = minio.spec.volumeClaimTemplates.length;
    expect(minio.kind).toBe('StatefulSet');
    expect(servers).toBe(overlay === 'production' ? 4 : 1);
    expect(drives).toBe(2);
    // The server list names exactly the replicas and drives there are (MinIO's {a...b} expansion).
    const endpoints = minio.spec.template.spec.containers[0]!.args!.at(-1)!;
    const range = (text: string) => text.split('...').map(Number);
    const driveRange = /export\{(\d+\.\.\.\d+)\}$/.exec(endpoints)![1]!;
    expect(range(driveRange)).toEqual([0, drives - 1]);
    expect(minio.spec.volumeClaimTemplates.map((v) => v.metadata.name)).toEqual(['export0', 'export1']);
    if (servers > 1) {
      const serverRange =
        /^http:\/\/minio-\{(\d+\.\.\.\d+)\}\.minio-hl\.imageflow-storage\.svc\.cluster\.local\//.exec(
          endpoints,
        )![1]!;
      expect(range(serverRange)).toEqual([0, servers - 1]);
    } else {
      expect(endpoints).toBe('/export{0...1}');
    }
    // The setup Job creates every bucket of libs/contracts (and the backups' bucket).
    const setup = ofKind<Spec<{ template: { spec: { containers: Container[] } } }>>(objects, 'Job').find(
      (j) => j.metadata.name === 'minio-setup',
    )!;
    const script = setup.spec.template.spec.containers[0]!.args!.join('\n');
    const bucketLine = /for bucket in ([^;]+);/.exec(script)![1]!.split(/\s+/);
    for (const b of [...Object.values(BUCKETS), 'postgres-backups']) expect(bucketLine).toContain(b);
    const pg = ofKind<Spec<{ instances: number }>>(objects, 'Cluster')[0]!;
    expect(pg.spec.instances).toBe(overlay === 'production' ? 3 : 1);
  });

  it('every ServiceMonitor selects a Service that has the scraped port', () => {
    type Svc = Spec<{ ports: { name: string }[] }>;
    const services = ofKind<Svc>(objects, 'Service');
    const monitors = ofKind<
      Spec<{
        namespaceSelector: { matchNames: string[] };
        selector: { matchLabels: Record<string, string> };
        endpoints: { port: string }[];
      }>
    >(objects, 'ServiceMonitor');
    expect(monitors.length).toBeGreaterThanOrEqual(7);
    for (const m of monitors) {
      const targets = services.filter(
        (s) =>
          m.spec.namespaceSelector.matchNames.includes(s.metadata.namespace!) &&
          matches(m.spec.selector, s.metadata.labels ?? {}),
      );
      expect(targets.length, idOf(m)).toBeGreaterThan(0);
      for (const s of targets)
        for (const e of m.spec.endpoints)
          expect(
            s.spec.ports.map((p) => p.name),
            idOf(m),
          ).toContain(e.port);
    }
  });
});
