import { createHash } from 'node:crypto';

/**
 * A UUID (RFC 9562 version 8, name-based) from the parts that identify an effect, e.g. (run, node, "completed").
 * A redelivered work item yields the same event id, so the projector and the run reducer apply it once.
 */
export function stableEventId(...parts: string[]): string {
  const bytes = createHash('sha256').update(parts.join('\u001f')).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
