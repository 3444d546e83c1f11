import { ConfigError } from '@imageflow/config';
import { describe, expect, it } from 'vitest';
import { loadComputeAiConfig } from './compute-ai.config';

describe('compute-ai config', () => {
  it('defaults to the documented ports, bucket, batching and models', () => {
    expect(loadComputeAiConfig({})).toMatchObject({
      COMPUTE_AI_HOST: '127.0.0.1',
      COMPUTE_AI_PORT: 50052,
      MODELS_BUCKET: 'models',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      COMPUTE_AI_BATCH_MAX_SIZE: 8,
      COMPUTE_AI_BATCH_MAX_DELAY_MS: 5,
      COMPUTE_AI_EXECUTION_PROVIDERS: ['cpu'],
      COMPUTE_AI_DETECTION_MODEL: 'nanodet-m-coco',
      COMPUTE_AI_TEXT_RECOGNITION_MODEL: 'ppocr-v4-rec',
    });
  });

  it('names every bad variable', () => {
    try {
      loadComputeAiConfig({
        COMPUTE_AI_PORT: '99999',
        COMPUTE_AI_DETECTION_MODEL: 'Not A Model',
        COMPUTE_AI_BATCH_MAX_SIZE: '0',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain('COMPUTE_AI_PORT');
      expect(message).toContain('COMPUTE_AI_DETECTION_MODEL');
      expect(message).toContain('COMPUTE_AI_BATCH_MAX_SIZE');
    }
  });
});
