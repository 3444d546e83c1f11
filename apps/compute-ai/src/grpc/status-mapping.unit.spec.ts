import { status } from '@grpc/grpc-js';
import { InferenceError } from '@imageflow/inference';
import { describe, expect, it } from 'vitest';
import { ERROR_CODE_TRAILER, PartError, toServiceError } from './status-mapping';

describe('status mapping', () => {
  it.each([
    ['UNKNOWN_MODEL', status.NOT_FOUND],
    ['CORRUPT_IMAGE', status.INVALID_ARGUMENT],
    ['IMAGE_TOO_LARGE', status.RESOURCE_EXHAUSTED],
    ['INVALID_MANIFEST', status.FAILED_PRECONDITION],
    ['STORE_UNAVAILABLE', status.UNAVAILABLE],
    ['INFERENCE_FAILED', status.INTERNAL],
  ] as const)('%s -> %s, with the reason in a trailer', (code, expected) => {
    const mapped = toServiceError(new InferenceError(code, `because ${code}`));
    expect(mapped.code).toBe(expected);
    expect(mapped.details).toBe(`because ${code}`);
    expect(mapped.metadata?.get(ERROR_CODE_TRAILER)).toEqual([code]);
  });

  it('maps service errors and hides nothing but stacks of unexpected ones', () => {
    expect(toServiceError(new PartError('UNKNOWN_PART', 'no')).code).toBe(status.NOT_FOUND);
    expect(toServiceError(new PartError('SATURATED', 'busy')).code).toBe(status.RESOURCE_EXHAUSTED);
    const internal = toServiceError(new Error('boom'));
    expect(internal.code).toBe(status.INTERNAL);
    expect(internal.details).toBe('compute-ai: internal error: boom');
  });
});
