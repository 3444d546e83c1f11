// `kustomize build` of every overlay with a real kustomize, and every built object checked against a schema:
// core Kubernetes API, KEDA and prometheus-operator by the kubernetes-models packages (plus unknown fields),
// Strimzi / CloudNativePG / MinIO by their hand-listed CRD fields (crd-fields.ts).
import { describe, expect, it } from 'vitest';
import { CRD_FIELDS, unknownCrdFields } from './crd-fields';
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

  it('every object of the core API, KEDA and prometheus-operator validates against its schema, with no unknown field', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const object of build(overlay)) {
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

  it('Strimzi, CloudNativePG and MinIO resources name only fields of their CRDs', () => {
    const problems: string[] = [];
    const kinds = new Set<string>();
    for (const object of build(overlay)) {
      const spec = CRD_FIELDS[typeKey(object)];
      if (!spec) continue;
      kinds.add(typeKey(object));
      for (const path of unknownCrdFields(object, spec))
        problems.push(`${idOf(object)}: unknown field ${path}`);
    }
    expect(problems).toEqual([]);
    expect([...kinds].sort()).toEqual(Object.keys(CRD_FIELDS).sort());
  });

  it('has a model or a CRD field list for every kind it contains', async () => {
    const unknown = new Set<string>();
    for (const object of build(overlay)) {
      if (!CRD_FIELDS[typeKey(object)] && !(await loadModel(object.apiVersion, object.kind)))
        unknown.add(typeKey(object));
    }
    expect([...unknown]).toEqual([]);
  });
});

describe('the schema checks themselves', () => {
  it('catch a misspelt probe, a wrong type and an unknown CRD field', async () => {
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

    const topic = build('production').find((o) => o.kind === 'KafkaTopic')!;
    const badTopic = { ...topic, spec: { ...(topic['spec'] as object), retentionMs: 1 } };
    expect(unknownCrdFields(badTopic, CRD_FIELDS['kafka.strimzi.io/v1beta2/KafkaTopic']!)).toEqual([
      '.spec.retentionMs',
    ]);
  });
});
