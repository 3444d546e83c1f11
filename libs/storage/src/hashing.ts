import { createHash } from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Lower-case hex SHA-256 of the bytes: an image's id, and the integrity check of every immutable object. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of a stream's bytes, without holding them all in memory. */
export async function sha256HexOfStream(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

/** True for a lower-case 64-digit hex string, the only form an image id takes. */
export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}
