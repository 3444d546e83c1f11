import { ConfigError } from '@imageflow/config';
import { describe, expect, it } from 'vitest';
import { loadComputeImageConfig } from './compute-image.config';

describe('compute-image config', () => {
  it('defaults to the documented ports and limits', () => {
    const config = loadComputeImageConfig({});
    expect(config).toMatchObject({
      COMPUTE_IMAGE_HOST: '127.0.0.1',
      COMPUTE_IMAGE_PORT: 50051,
      COMPUTE_IMAGE_METRICS_PORT: 9461,
      COMPUTE_IMAGE_MAX_MESSAGE_MB: 64,
      COMPUTE_IMAGE_MAX_INPUT_MB: 50,
      COMPUTE_IMAGE_MAX_INPUT_PIXELS: 8192 * 8192,
    });
    expect(config.COMPUTE_IMAGE_MAX_INPUT_MB).toBeLessThan(config.COMPUTE_IMAGE_MAX_MESSAGE_MB);
  });

  it('names every bad variable', () => {
    expect(() =>
      loadComputeImageConfig({ COMPUTE_IMAGE_PORT: '70000', COMPUTE_IMAGE_MAX_MESSAGE_MB: '-1' }),
    ).toThrow(ConfigError);
    try {
      loadComputeImageConfig({ COMPUTE_IMAGE_PORT: '70000', COMPUTE_IMAGE_MAX_MESSAGE_MB: '-1' });
    } catch (error) {
      expect((error as ConfigError).problems.join('\n')).toMatch(
        /COMPUTE_IMAGE_PORT[\s\S]*COMPUTE_IMAGE_MAX_MESSAGE_MB|COMPUTE_IMAGE_MAX_MESSAGE_MB[\s\S]*COMPUTE_IMAGE_PORT/,
      );
    }
  });
});
