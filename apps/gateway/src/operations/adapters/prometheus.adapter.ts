// The gateway's one Prometheus client: instant queries over the HTTP API
// (https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries), each within PROMETHEUS_TIMEOUT_MS.
import { z } from '@imageflow/config';

export class PrometheusUnavailableError extends Error {
  override name = 'PrometheusUnavailableError';
}

export interface Sample {
  labels: Record<string, string>;
  /** NaN and ±Inf come back as such (e.g. a quantile over no observations is NaN). */
  value: number;
}

const responseSchema = z.object({
  status: z.enum(['success', 'error']),
  error: z.string().optional(),
  data: z
    .object({
      resultType: z.string(),
      result: z.array(
        z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }),
      ),
    })
    .optional(),
});

export class PrometheusClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  /** An instant vector query; throws PrometheusUnavailableError when Prometheus cannot answer it. */
  async query(promql: string): Promise<Sample[]> {
    const url = new URL('/api/v1/query', this.baseUrl);
    url.searchParams.set('query', promql);
    let body: unknown;
    let status: number;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      status = response.status;
      body = await response.json();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new PrometheusUnavailableError(
        `Prometheus at ${this.baseUrl} did not answer (${cause ?? (error instanceof Error ? error.message : String(error))})`,
      );
    }
    const parsed = responseSchema.safeParse(body);
    if (!parsed.success || parsed.data.status !== 'success' || !parsed.data.data)
      throw new PrometheusUnavailableError(
        `Prometheus answered ${status} to ${promql}: ${parsed.success ? (parsed.data.error ?? 'no data') : 'not the query API'}`,
      );
    if (parsed.data.data.resultType !== 'vector')
      throw new PrometheusUnavailableError(
        `expected a vector from ${promql}, got ${parsed.data.data.resultType}`,
      );
    return parsed.data.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }
}
