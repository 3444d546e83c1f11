import { ConfigError } from '@imageflow/config';
import { describe, expect, it } from 'vitest';
import { loadProjectorConfig } from './projector.config';

describe('projector config', () => {
  it('defaults to the platform topics and the local stack', () => {
    const config = loadProjectorConfig({});
    expect(config).toMatchObject({
      PROJECTOR_RUN_EVENTS_TOPIC: 'imageflow.run-events.v1',
      PROJECTOR_IMAGES_TOPIC: 'imageflow.images.v1',
      PROJECTOR_PIPELINES_TOPIC: 'imageflow.pipelines.v1',
      PROJECTOR_DLQ_TOPIC: 'imageflow.dlq.v1',
      PROJECTOR_GROUP_ID: 'imageflow-projector',
      PROJECTOR_NAME: 'projector',
      METRICS_PORT: 9464,
      DATABASE_URL: 'postgres://imageflow:imageflow@127.0.0.1:5432/imageflow',
    });
  });

  it('names every bad variable', () => {
    expect(() =>
      loadProjectorConfig({ PROJECTOR_DLQ_TOPIC: 'no spaces allowed', METRICS_PORT: '70000' }),
    ).toThrow(ConfigError);
    try {
      loadProjectorConfig({ PROJECTOR_DLQ_TOPIC: 'no spaces allowed', METRICS_PORT: '70000' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PROJECTOR_DLQ_TOPIC: must be a Kafka topic name/);
      expect((error as Error).message).toMatch(/METRICS_PORT/);
    }
  });
});
