// Validation of built objects against the schemas of the `kubernetes-models` packages (core API, KEDA,
// prometheus-operator), plus a strict unknown-field check those packages leave out.
//
// The packages' validators (compiled JSON schemas) check types, required fields, enums and formats but accept
// unknown fields, so a typo such as `readinesProbe` would pass. `unknownFields` runs the same validator over a
// Proxy of the object that records which properties the validator looked at: a validator reads every property
// its schema defines (`data.<name>`) and enumerates the keys of maps (labels, ConfigMap data), so any key of an
// inspected object that it never read is not in the schema. Objects the validator never inspects at all are
// free-form in the schema (x-kubernetes-preserve-unknown-fields) and are not judged.
import type { K8sObject } from './manifests';

type Validatable = { prototype: { validate(this: unknown): void } };

const CORE_GROUPS = new Set([
  'apps',
  'batch',
  'policy',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'autoscaling',
]);
const CRD_MODELS: Record<string, string> = {
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

/** The module of the `kubernetes-models` class for an apiVersion/kind, or undefined when no package has it. */
export function modelModule(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  if (CORE_GROUPS.has(group!)) return `kubernetes-models/${group}/${version}/${kind}`;
  const pkg = CRD_MODELS[group!];
  return pkg ? `${pkg}/${group}/${version}/${kind}` : undefined;
}

export async function loadModel(apiVersion: string, kind: string): Promise<Validatable | undefined> {
  const module = modelModule(apiVersion, kind);
  if (!module) return undefined;
  const exports = (await import(/* @vite-ignore */ module)) as Record<string, Validatable>;
  const model = exports[kind];
  if (!model) throw new Error(`${module} has no export ${kind}`);
  return model;
}

/** Throws the package's validation error (types, required fields, enums, formats). */
export function validateWith(model: Validatable, object: K8sObject): void {
  model.prototype.validate.call(structuredClone(object));
}

/** JSON paths of the keys of `object` that the model's schema does not define (see the file comment). */
export function unknownFields(model: Validatable, object: K8sObject): string[] {
  const read = new WeakMap<object, Set<PropertyKey>>();
  const enumerated = new WeakSet<object>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const target = value as object;
    const existing = proxies.get(target);
    if (existing) return existing;
    const proxy = new Proxy(target, {
      get(t, key, receiver) {
        if (!read.has(t)) read.set(t, new Set());
        read.get(t)!.add(key);
        return wrap(Reflect.get(t, key, receiver));
      },
      ownKeys(t) {
        enumerated.add(t);
        return Reflect.ownKeys(t);
      },
      has(t, key) {
        if (!read.has(t)) read.set(t, new Set());
        read.get(t)!.add(key);
        return Reflect.has(t, key);
      },
    });
    proxies.set(target, proxy);
    return proxy;
  };
  const data = structuredClone(object) as unknown as object;
  try {
    model.prototype.validate.call(wrap(data));
  } catch {
    // Reported by validateWith; the unknown-field walk still has what was read.
  }
  const found: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
      return;
    }
    const seen = read.get(value);
    const inspected = seen !== undefined || enumerated.has(value);
    for (const [key, child] of Object.entries(value)) {
      if (inspected && !enumerated.has(value) && !seen?.has(key)) found.push(`${path}.${key}`);
      else walk(child, `${path}.${key}`);
    }
  };
  walk(data, '');
  return found;
}
