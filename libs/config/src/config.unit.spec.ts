import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig, stackConfigShape, z } from './index';

const schema = z.object({
  ...stackConfigShape,
  HTTP_PORT: env.port(8080),
  FLAGS: env.list('a,b'),
  DEBUG: env.bool(false),
});

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig('test', schema, {});
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.FLAGS).toEqual(['a', 'b']);
    expect(config.DEBUG).toBe(false);
  });

  it('parses given values', () => {
    const config = loadConfig('test', schema, {
      HTTP_PORT: '9999',
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      DEBUG: 'yes',
    });
    expect(config).toMatchObject({ HTTP_PORT: 9999, KAFKA_BROKERS: ['k1:9092', 'k2:9092'], DEBUG: true });
  });

  it('names every bad variable and its value in one error', () => {
    try {
      loadConfig('gateway', schema, { HTTP_PORT: '70000', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain('gateway: invalid configuration');
      expect(message).toMatch(/HTTP_PORT: .*\(got "70000"\)/);
      expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL \(got "mysql:\/\/x"\)/);
    }
  });
});
