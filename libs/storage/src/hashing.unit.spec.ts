import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isSha256Hex, sha256Hex, sha256HexOfStream } from './hashing';

describe('sha256Hex', () => {
  it('matches the published digest of "abc" (FIPS 180-2 test vector)', () => {
    expect(sha256Hex(Buffer.from('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('matches the published digest of the empty input', () => {
    expect(sha256Hex(Buffer.alloc(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('gives the same digest for a stream of the same bytes split into chunks', async () => {
    const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256));
    const chunks = [bytes.subarray(0, 12_345), bytes.subarray(12_345, 70_000), bytes.subarray(70_000)];
    expect(await sha256HexOfStream(Readable.from(chunks))).toBe(sha256Hex(bytes));
  });
});

describe('isSha256Hex', () => {
  it('accepts its own output and refuses other shapes', () => {
    expect(isSha256Hex(sha256Hex(Buffer.from('x')))).toBe(true);
    expect(isSha256Hex(sha256Hex(Buffer.from('x')).toUpperCase())).toBe(false);
    expect(isSha256Hex('abc')).toBe(false);
    expect(isSha256Hex(`${'a'.repeat(64)}\n`)).toBe(false);
  });
});
