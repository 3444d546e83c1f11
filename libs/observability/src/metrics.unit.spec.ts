import { describe, expect, it } from 'vitest';
import { Counter, createMetricsRegistry, grpcClientDuration } from './index';

describe('createMetricsRegistry', () => {
  it('exposes Node defaults and custom metrics with the service label', async () => {
    const registry = createMetricsRegistry('unit-test');
    new Counter({ name: 'imageflow_test_total', help: 'test', registers: [registry] }).inc(3);
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/imageflow_test_total\{service="unit-test"\} 3/);
  });
});

describe('grpcClientDuration', () => {
  it('is one histogram per registry, by method and code', async () => {
    const registry = createMetricsRegistry('unit-test');
    grpcClientDuration(registry).observe({ method: 'apply', code: 'OK' }, 0.02);
    grpcClientDuration(registry).observe({ method: 'describe', code: 'UNAVAILABLE' }, 1.5);
    const text = await registry.metrics();
    expect(text).toMatch(
      /imageflow_grpc_client_duration_seconds_count\{service="unit-test",method="apply",code="OK"\} 1/,
    );
    expect(text).toMatch(
      /imageflow_grpc_client_duration_seconds_bucket\{le="2.5",service="unit-test",method="describe",code="UNAVAILABLE"\} 1/,
    );
  });
});
