// `kustomize build` of every overlay with a real kustomize, and every built object checked against a schema:
// core Kubernetes API by the kubernetes-models packages (plus unknown fields); Strimzi, CloudNativePG, KEDA and
// prometheus-operator resources by their operators' real CRDs (deploy/k8s/crds, crd-schema.ts) with ajv.
import { describe, expect, it } from 'vitest';
import { crdFor, crdProblems, loadCrds } from './crd-schema';
import { build, idOf, type K8sObject, OVERLAYS } from './manifests';
import { loadModel, unknownFields, validateWith } from './schema';

const typeKey = (o: K8sObject) => `${o.apiVersion}/${o.kind}`;

describe.each(OVERLAYS)('kustomize build overlays/%s', (overlay) => {
  it('builds, with unique object ids and the five namespaces', () => {
    const objects = build(overlay);
    expect(objects.length).toBeGreaterThan(50);
    const ids = objects.map(idOf);
    expect(new Set(ids).size).toBe(ids.length);
    const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    expect(namespaces.sort()).toEqual([
      'imageflow-backend',
      'imageflow-monitoring',
      'imageflow-processing',
      'imageflow-storage',
      'imageflow-web',
    ]);
    for (const o of objects) {
      if (o.kind !== 'Namespace') expect(namespaces, idOf(o)).toContain(o.metadata.namespace);
    }
  });

  it('every object of the core API validates against its schema, with no unknown field', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const object of build(overlay)) {
      if (crdFor(object)) continue;
      const model = await loadModel(object.apiVersion, object.kind);
      if (!model) continue;
      checked += 1;
      try {
        validateWith(model, object);
      } catch (error) {
        problems.push(`${idOf(object)}: ${(error as Error).message}`);
      }
      for (const path of unknownFields(model, object))
        problems.push(`${idOf(object)}: unknown field ${path}`);
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  it('every Strimzi, CloudNativePG, KEDA and prometheus-operator resource validates against its CRD, with no unknown field', async () => {
    const problems: string[] = [];
    const kinds = new Set<string>();
    for (const object of build(overlay)) {
      if (!crdFor(object)) continue;
      kinds.add(typeKey(object));
      for (const problem of await crdProblems(object)) problems.push(`${idOf(object)}: ${problem}`);
    }
    expect(problems).toEqual([]);
    expect([...kinds].sort()).toEqual([
      'kafka.strimzi.io/v1beta2/Kafka',
      'kafka.strimzi.io/v1beta2/KafkaNodePool',
      'kafka.strimzi.io/v1beta2/KafkaTopic',
      'keda.sh/v1alpha1/ScaledObject',
      'monitoring.coreos.com/v1/PrometheusRule',
      'monitoring.coreos.com/v1/ServiceMonitor',
      'postgresql.cnpg.io/v1/Cluster',
      'postgresql.cnpg.io/v1/ScheduledBackup',
    ]);
  });

  it('has a model or a vendored CRD for every kind it contains', async () => {
    const unknown = new Set<string>();
    for (const object of build(overlay)) {
      if (crdFor(object)) continue;
      if (!(await loadModel(object.apiVersion, object.kind))) unknown.add(typeKey(object));
    }
    expect([...unknown]).toEqual([]);
  });
});

describe('the schema checks themselves', () => {
  it('catch a misspelt probe and a wrong type', async () => {
    const deployment = build('production').find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'gateway',
    )!;
    const model = (await loadModel(deployment.apiVersion, deployment.kind))!;
    const typo = structuredClone(deployment) as unknown as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const container = typo.spec.template.spec.containers[0]!;
    container['readinesProbe'] = container['readinessProbe'];
    expect(unknownFields(model, typo as unknown as K8sObject)).toEqual([
      '.spec.template.spec.containers[0].readinesProbe',
    ]);
    const wrongType = structuredClone(deployment);
    (wrongType as unknown as { spec: { replicas: string } }).spec.replicas = 'three';
    expect(() => validateWith(model, wrongType)).toThrow(/replicas must be integer/);
  });

  it('the CRD check refuses a misspelt field at any depth, a wrong type, a bad enum and unknown metadata', async () => {
    const objects = build('production');
    const find = (kind: string) => objects.find((o) => o.kind === kind)!;
    type Loose = Record<string, Record<string, unknown>>;

    const topic = structuredClone(find('KafkaTopic')) as unknown as Loose;
    topic['spec']!['retentionMs'] = 1;
    expect(await crdProblems(topic as unknown as K8sObject)).toEqual(['unknown field .spec.retentionMs']);

    const kafka = structuredClone(find('Kafka')) as unknown as Loose;
    const listener = (kafka['spec']!['kafka'] as { listeners: Record<string, unknown>[] }).listeners[0]!;
    listener['tsl'] = false;
    listener['type'] = 'loadbalancr';
    expect(await crdProblems(kafka as unknown as K8sObject)).toEqual([
      '.spec.kafka.listeners.0.type must be equal to one of the allowed values',
      'unknown field .spec.kafka.listeners.0.tsl',
    ]);

    const cluster = structuredClone(find('Cluster')) as unknown as Loose;
    (cluster['spec']!['storage'] as Record<string, unknown>)['sise'] = '1Gi';
    cluster['spec']!['instances'] = 'three';
    cluster['metadata']!['lables'] = {};
    expect(await crdProblems(cluster as unknown as K8sObject)).toEqual([
      '.spec.instances must be integer',
      'unknown field .metadata.lables',
      'unknown field .spec.storage.sise',
    ]);

    const scaled = structuredClone(find('ScaledObject')) as unknown as Loose;
    scaled['spec']!['maxReplicas'] = 3;
    const monitor = structuredClone(find('ServiceMonitor')) as unknown as Loose;
    (monitor['spec']!['endpoints'] as Record<string, unknown>[])[0]!['intervall'] = '15s';
    expect(await crdProblems(scaled as unknown as K8sObject)).toEqual(['unknown field .spec.maxReplicas']);
    expect(await crdProblems(monitor as unknown as K8sObject)).toEqual([
      'unknown field .spec.endpoints.0.intervall',
    ]);
  });

  it('refuses a stray field at every object of every operator resource, except in the free-form maps of its CRD', async () => {
    // The CRDs' free-form values: Kafka/topic broker config (x-kubernetes-preserve-unknown-fields) and resource
    // quantities (maps of int-or-string). Anything else that accepted a stray key would be a hole in the check.
    const FREE_FORM = [/^spec\.kafka\.config$/, /^spec\.config$/, /^spec\.resources\.(limits|requests)$/];
    const holes: string[] = [];
    let probed = 0;
    for (const object of build('production').filter((o) => crdFor(o))) {
      const paths: (string | number)[][] = [];
      const walk = (value: unknown, path: (string | number)[]): void => {
        if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
        else if (value !== null && typeof value === 'object') {
          if (path[0] !== 'metadata') paths.push(path);
          for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
        }
      };
      walk(object, []);
      for (const path of paths) {
        const copy = structuredClone(object) as unknown as Record<string | number, unknown>;
        let node = copy;
        for (const key of path) node = node[key] as Record<string | number, unknown>;
        node['zzStray'] = 1;
        probed += 1;
        const problems = await crdProblems(copy as unknown as K8sObject);
        const where = path.join('.');
        if (problems.length === 0 && !FREE_FORM.some((re) => re.test(where)))
          holes.push(`${idOf(object)} ${where}`);
      }
    }
    expect(holes).toEqual([]);
    expect(probed).toBeGreaterThan(150);
  }, 120_000);

  it('vendors each CRD of deploy/k8s/crds/VERSIONS', () => {
    const keys = [...loadCrds().keys()];
    for (const key of [
      'kafka.strimzi.io/v1beta2/Kafka',
      'kafka.strimzi.io/v1/Kafka',
      'postgresql.cnpg.io/v1/Cluster',
      'keda.sh/v1alpha1/TriggerAuthentication',
      'monitoring.coreos.com/v1/PrometheusRule',
    ])
      expect(keys).toContain(key);
  });
});
