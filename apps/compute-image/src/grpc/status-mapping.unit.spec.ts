import { status } from '@grpc/grpc-js';
import { ImageOpError } from '@imageflow/image-ops';
import { describe, expect, it } from 'vitest';
import { ERROR_CODE_TRAILER, toServiceError } from './status-mapping';

describe('toServiceError', () => {
  it.each([
    ['CORRUPT_IMAGE', status.INVALID_ARGUMENT],
    ['UNSUPPORTED_FORMAT', status.INVALID_ARGUMENT],
    ['INVALID_PARAMETERS', status.INVALID_ARGUMENT],
    ['INVALID_INPUT', status.INVALID_ARGUMENT],
    ['IMAGE_TOO_LARGE', status.RESOURCE_EXHAUSTED],
    ['NO_MATCH', status.FAILED_PRECONDITION],
    ['UNKNOWN_PART', status.NOT_FOUND],
  ] as const)('%s → %s, with the message and the reason trailer', (code, expected) => {
    const mapped = toServiceError(new ImageOpError(code, `why: ${code}`));
    expect(mapped.code).toBe(expected);
    expect(mapped.details).toBe(`why: ${code}`);
    expect(mapped.metadata?.get(ERROR_CODE_TRAILER)).toEqual([code]);
  });

  it('turns anything else into INTERNAL', () => {
    const mapped = toServiceError(new TypeError('x is undefined'));
    expect(mapped.code).toBe(status.INTERNAL);
    expect(mapped.details).toContain('x is undefined');
  });
});
