// Builds the kustomize overlays of deploy/k8s with a real kustomize (installed from the Go module proxy by
// deploy/k8s/tools/install-kustomize.sh, cached) and gives the objects to the tests.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const repoRoot = resolve(__dirname, '..', '..', '..');
export const k8sDir = join(repoRoot, 'deploy', 'k8s');
export const OVERLAYS = ['k3s-single', 'production'] as const;
export type Overlay = (typeof OVERLAYS)[number];

export const NAMESPACES = [
  'imageflow-web',
  'imageflow-backend',
  'imageflow-processing',
  'imageflow-storage',
  'imageflow-monitoring',
] as const;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Metadata = {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  [key: string]: Json | undefined | Metadata;
};

let kustomizeBin: string | undefined;

/** Path of the kustomize binary (installs it on first use; later calls hit the cache). */
export function kustomize(): string {
  kustomizeBin ??= execFileSync('bash', [join(k8sDir, 'tools', 'install-kustomize.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  }).trim();
  return kustomizeBin;
}

export function parseYamlStream(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc, index) => {
      if (doc.errors.length > 0) throw new Error(`${source} document ${index}: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

const built = new Map<Overlay, K8sObject[]>();

/** `kustomize build deploy/k8s/overlays/<overlay>`, parsed. */
export function build(overlay: Overlay): K8sObject[] {
  let objects = built.get(overlay);
  if (!objects) {
    const text = execFileSync(kustomize(), ['build', join(k8sDir, 'overlays', overlay)], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    objects = parseYamlStream(text, overlay);
    built.set(overlay, objects);
  }
  return objects;
}

export const ofKind = <T = K8sObject>(objects: K8sObject[], kind: string): T[] =>
  objects.filter((o) => o.kind === kind) as T[];

export const idOf = (o: K8sObject): string => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`;

export const readRepoFile = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

// --- typed views of the objects the policy tests look into ----------------------------------------------------
export type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
};
export type Probe = {
  httpGet?: { path: string; port: number | string };
  grpc?: { port: number };
  tcpSocket?: unknown;
};
export type Container = {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
};
export type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: { name: string; emptyDir?: unknown }[];
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string; effect?: string }[];
};
export type Workload = K8sObject & {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};

/** Deployments, StatefulSets and DaemonSets: the objects that run our containers directly. */
export const workloads = (objects: K8sObject[]): Workload[] =>
  objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind)) as Workload[];
