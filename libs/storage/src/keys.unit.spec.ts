import { describe, expect, it } from 'vitest';
import { sha256Hex } from './hashing';
import {
  extensionForContentType,
  InvalidKeyPartError,
  parseRawImageKey,
  rawImageKey,
  runOutputPrefix,
  stepOutputKey,
} from './keys';

const id = sha256Hex(Buffer.from('a capture'));

describe('rawImageKey', () => {
  it('fans out by the first two hex digits of the SHA-256 id', () => {
    expect(rawImageKey(id, 'jpg')).toBe(`sha256/${id.slice(0, 2)}/${id}.jpg`);
  });

  it('round-trips through parseRawImageKey', () => {
    expect(parseRawImageKey(rawImageKey(id, 'png'))).toEqual({ imageId: id, ext: 'png' });
  });

  it.each([
    ['upper-case id', id.toUpperCase(), 'jpg'],
    ['short id', id.slice(1), 'jpg'],
    ['path in id', `../${id.slice(3)}`, 'jpg'],
    ['dotted extension', id, '.jpg'],
    ['empty extension', id, ''],
  ])('refuses a %s', (_, imageId, ext) => {
    expect(() => rawImageKey(imageId, ext)).toThrow(InvalidKeyPartError);
  });

  it('does not parse keys of another layout or a mismatched fan-out', () => {
    expect(parseRawImageKey(`runs/r/nodes/n/out.png`)).toBeUndefined();
    expect(parseRawImageKey(`sha256/zz/${id}.jpg`)).toBeUndefined();
  });
});

describe('stepOutputKey', () => {
  it('is run / node / port, independent of the attempt', () => {
    expect(
      stepOutputKey({
        runId: '0190f3a0-1b2c-7d3e-8f40-1234567890ab',
        nodeId: 'resize-1',
        port: 'image',
        ext: 'png',
      }),
    ).toBe('runs/0190f3a0-1b2c-7d3e-8f40-1234567890ab/nodes/resize-1/image.png');
  });

  it('is deterministic: the same parts give the same key', () => {
    const parts = { runId: 'r1', nodeId: 'n1', port: 'detections', ext: 'json' };
    expect(stepOutputKey(parts)).toBe(stepOutputKey({ ...parts }));
  });

  it.each([
    ['slash in node id', { runId: 'r', nodeId: 'a/b', port: 'p', ext: 'png' }],
    ['dot-dot node id', { runId: 'r', nodeId: '..', port: 'p', ext: 'png' }],
    ['empty run id', { runId: '', nodeId: 'n', port: 'p', ext: 'png' }],
    ['space in port', { runId: 'r', nodeId: 'n', port: 'a b', ext: 'png' }],
    ['bad extension', { runId: 'r', nodeId: 'n', port: 'p', ext: 'PNG' }],
  ])('refuses a %s with a message naming the part', (_, parts) => {
    expect(() => stepOutputKey(parts)).toThrow(InvalidKeyPartError);
  });

  it('names the offending part in the error', () => {
    expect(() => stepOutputKey({ runId: 'r', nodeId: 'x/y', port: 'p', ext: 'png' })).toThrow(
      /node id "x\/y"/,
    );
  });

  it('lives under the run prefix', () => {
    expect(
      stepOutputKey({ runId: 'r9', nodeId: 'n', port: 'p', ext: 'bin' }).startsWith(runOutputPrefix('r9')),
    ).toBe(true);
  });
});

describe('extensionForContentType', () => {
  it.each([
    ['image/jpeg', 'jpg'],
    ['image/png', 'png'],
    ['IMAGE/WEBP', 'webp'],
    ['image/tiff', 'tiff'],
    ['application/json; charset=utf-8', 'json'],
  ])('%s → %s', (contentType, ext) => {
    expect(extensionForContentType(contentType)).toBe(ext);
  });

  it('refuses an unknown type', () => {
    expect(() => extensionForContentType('text/html')).toThrow(/no extension known/);
  });
});
