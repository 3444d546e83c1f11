// Object key layout (ARCHITECTURE.md, Storage). Pure functions: the layout is a contract between the
// gateway (writes raw images), stage workers (write step outputs) and anyone who reads them back.
import { isSha256Hex } from './hashing';

export class InvalidKeyPartError extends Error {
  constructor(
    readonly part: string,
    readonly value: string,
    reason: string,
  ) {
    super(`invalid ${part} "${value}" for an object key: ${reason}`);
    this.name = 'InvalidKeyPartError';
  }
}

const EXTENSION = /^[a-z0-9]{1,10}$/;
// One path segment: no slashes (they would make a different layout), no leading dot (no `.`/`..` segments).
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

function checkExtension(ext: string): string {
  if (!EXTENSION.test(ext))
    throw new InvalidKeyPartError('extension', ext, 'use 1-10 lowercase letters or digits, no dot');
  return ext;
}

function checkSegment(part: string, value: string): string {
  if (!SEGMENT.test(value)) {
    throw new InvalidKeyPartError(part, value, 'use 1-128 of A-Z a-z 0-9 . _ - and do not start with a dot');
  }
  return value;
}

/**
 * Key of a raw image in `raw-images`: `sha256/<first two hex digits>/<id>.<ext>`.
 * The two-digit fan-out keeps listings short; the id is the SHA-256 of the bytes, so the same capture is one key.
 */
export function rawImageKey(imageId: string, ext: string): string {
  if (!isSha256Hex(imageId))
    throw new InvalidKeyPartError('image id', imageId, 'expected 64 lowercase hex digits (SHA-256)');
  return `sha256/${imageId.slice(0, 2)}/${imageId}.${checkExtension(ext)}`;
}

/** The parts of a raw image key, or undefined when the key is not one. */
export function parseRawImageKey(key: string): { imageId: string; ext: string } | undefined {
  const match = /^sha256\/([0-9a-f]{2})\/([0-9a-f]{64})\.([a-z0-9]{1,10})$/.exec(key);
  if (!match || match[2]?.slice(0, 2) !== match[1]) return undefined;
  return { imageId: match[2] as string, ext: match[3] as string };
}

export interface StepOutputKeyParts {
  runId: string;
  nodeId: string;
  port: string;
  ext: string;
}

/**
 * Key of one output port of one pipeline node in `processed-images`: `runs/<runId>/nodes/<nodeId>/<port>.<ext>`.
 * Deliberately without the attempt number: a redelivered or retried step writes the same key, so it can
 * never leave two different results behind.
 */
export function stepOutputKey({ runId, nodeId, port, ext }: StepOutputKeyParts): string {
  return `runs/${checkSegment('run id', runId)}/nodes/${checkSegment('node id', nodeId)}/${checkSegment('port', port)}.${checkExtension(ext)}`;
}

/** Prefix under which every output of a run lives (for listing or clean-up). */
export function runOutputPrefix(runId: string): string {
  return `runs/${checkSegment('run id', runId)}/`;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/tiff': 'tiff',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'application/json': 'json',
  'application/octet-stream': 'bin',
};

/** File extension used in keys for a content type (parameters such as `; charset=` are ignored). */
export function extensionForContentType(contentType: string): string {
  const base = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const ext = EXTENSIONS[base];
  if (!ext)
    throw new InvalidKeyPartError(
      'content type',
      contentType,
      `no extension known; one of ${Object.keys(EXTENSIONS).join(', ')}`,
    );
  return ext;
}
