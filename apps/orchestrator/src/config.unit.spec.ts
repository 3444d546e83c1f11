import { describe, expect, it } from 'vitest';
import { loadOrchestratorConfig, stageTopicFor } from './config';

describe('orchestrator config', () => {
  it('has working defaults for the local stack', () => {
    expect(loadOrchestratorConfig({})).toMatchObject({
      ORCHESTRATOR_GROUP_ID: 'imageflow.orchestrator',
      IMAGES_TOPIC: 'imageflow.images.v1',
      RUN_EVENTS_TOPIC: 'imageflow.run-events.v1',
      PIPELINES_TOPIC: 'imageflow.pipelines.v1',
      METRICS_PORT: 9467,
    });
    expect(stageTopicFor(loadOrchestratorConfig({}).STAGE_TOPIC_TEMPLATE, 'ai')).toBe(
      'imageflow.stage.ai.v1',
    );
  });

  it('names the bad variable', () => {
    expect(() => loadOrchestratorConfig({ STAGE_TOPIC_TEMPLATE: 'x', METRICS_PORT: 'abc' })).toThrow(
      /STAGE_TOPIC_TEMPLATE[\s\S]*METRICS_PORT|METRICS_PORT[\s\S]*STAGE_TOPIC_TEMPLATE/,
    );
    expect(() => stageTopicFor('t.{kind}', 'Bad Kind')).toThrow(/invalid stage kind/);
  });
});
