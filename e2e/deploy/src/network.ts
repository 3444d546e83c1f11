// A small evaluator of NetworkPolicies over the built manifests: which policies select a pod, and whom they let
// in or out. Enough for the flows ARCHITECTURE.md names (label selectors, namespace selectors, ports).
import type { K8sObject } from './manifests';

export type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
};
export type Peer = { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: unknown };
export type Rule = { from?: Peer[]; to?: Peer[]; ports?: { protocol?: string; port?: number | string }[] };
export type NetworkPolicy = K8sObject & {
  spec: { podSelector: LabelSelector; policyTypes?: string[]; ingress?: Rule[]; egress?: Rule[] };
};

export function matches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && e.values!.includes(value!))) return false;
    if (e.operator === 'NotIn' && has && e.values!.includes(value!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export const isEmptySelector = (s: LabelSelector): boolean =>
  Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;

export type Pod = { namespace: string; labels: Record<string, string> };

/** The policies that select `pod` for the given direction. */
export const policiesFor = (
  policies: NetworkPolicy[],
  pod: Pod,
  direction: 'Ingress' | 'Egress',
): NetworkPolicy[] =>
  policies.filter(
    (p) =>
      p.metadata.namespace === pod.namespace &&
      matches(p.spec.podSelector, pod.labels) &&
      (p.spec.policyTypes ?? ['Ingress']).includes(direction),
  );

const peerAdmits = (peer: Peer, ownNamespace: string, other: Pod): boolean => {
  if (peer.ipBlock) return true;
  const nsOk = peer.namespaceSelector
    ? matches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': other.namespace })
    : other.namespace === ownNamespace;
  return nsOk && matches(peer.podSelector, other.labels);
};

const portAdmits = (rule: Rule, port: number): boolean =>
  !rule.ports || rule.ports.length === 0 || rule.ports.some((p) => p.port === undefined || p.port === port);

/** Whether `from` may open a connection to `to` on `port` (both egress of `from` and ingress of `to`). */
export function allowed(policies: NetworkPolicy[], from: Pod, to: Pod, port: number): boolean {
  const egress = policiesFor(policies, from, 'Egress');
  const ingress = policiesFor(policies, to, 'Ingress');
  const out =
    egress.length === 0 ||
    egress.some((p) =>
      (p.spec.egress ?? []).some(
        (r) =>
          portAdmits(r, port) &&
          (!r.to || r.to.length === 0 || r.to.some((peer) => peerAdmits(peer, from.namespace, to))),
      ),
    );
  const inn =
    ingress.length === 0 ||
    ingress.some((p) =>
      (p.spec.ingress ?? []).some(
        (r) =>
          portAdmits(r, port) &&
          (!r.from || r.from.length === 0 || r.from.some((peer) => peerAdmits(peer, to.namespace, from))),
      ),
    );
  return out && inn;
}
