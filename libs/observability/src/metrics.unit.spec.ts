import { describe, expect, it } from 'vitest';
import { Counter, createMetricsRegistry } from './index';

describe('createMetricsRegistry', () => {
  it('exposes Node defaults and custom metrics with the service label', async () => {
    const registry = createMetricsRegistry('unit-test');
    new Counter({ name: 'imageflow_test_total', help: 'test', registers: [registry] }).inc(3);
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/imageflow_test_total\{service="unit-test"\} 3/);
  });
});
