import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { PipelineDefinition } from './definition';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function sortKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value as Json;
}

/**
 * The canonical form of a definition: what it does, not how it was drawn. Node order, edge order, object key
 * order and display labels do not change it; anything that changes a result does.
 */
export function canonicalDefinition(definition: PipelineDefinition): PipelineDefinition {
  const nodes = [...definition.nodes]
    .map(({ label: _label, ...node }) => node)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const edgeKey = (e: PipelineDefinition['edges'][number]) =>
    `${e.to.node}.${e.to.port}<${e.from.node}.${e.from.port}`;
  const edges = [...definition.edges].sort((a, b) =>
    edgeKey(a) < edgeKey(b) ? -1 : edgeKey(a) > edgeKey(b) ? 1 : 0,
  );
  return sortKeys({ nodes, edges }) as unknown as PipelineDefinition;
}

export const canonicalJson = (definition: PipelineDefinition): string =>
  JSON.stringify(canonicalDefinition(definition));

/** Immutable version id: `sha256:<hex>` of the canonical JSON. */
export const versionIdOf = (definition: PipelineDefinition): string =>
  `sha256:${bytesToHex(sha256(utf8ToBytes(canonicalJson(definition))))}`;
