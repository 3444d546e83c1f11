import { ConfigError } from '@imageflow/config';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './gateway.config';

describe('loadGatewayConfig', () => {
  it('has the documented defaults', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: 8080,
      INGEST_MAX_BYTES: 25 * 1024 * 1024,
      INGEST_MAX_PIXELS: 50_000_000,
      INGEST_FORMATS: ['jpeg', 'png', 'webp', 'tiff'],
      IMAGES_TOPIC: 'imageflow.images.v1',
      RAW_IMAGES_BUCKET: 'raw-images',
      S3_PATH_STYLE: true,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      COMPUTE_ADDRESSES: ['127.0.0.1:50051', '127.0.0.1:50052'],
      PARTS_CACHE_TTL_MS: 10_000,
      MODELS_BUCKET: 'models',
    });
    expect(config.ADMIN_KEY_FILE).toMatch(/\/\.imageflow\/admin-key$/);
    expect(config.ADMIN_KEY_FILE).not.toMatch(/apps\/gateway/);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadGatewayConfig({
        HTTP_PORT: 'eighty',
        INGEST_MAX_BYTES: '-1',
        DATABASE_URL: 'mysql://x',
        COMPUTE_ADDRESSES: 'compute-image',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/HTTP_PORT/);
    expect(problems).toMatch(/INGEST_MAX_BYTES/);
    expect(problems).toMatch(/DATABASE_URL/);
    expect(problems).toMatch(/COMPUTE_ADDRESSES/);
  });
});
