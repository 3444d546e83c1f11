import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { z } from '@imageflow/config';
import { InvalidCursorError, InvalidFilterError, type StepRecord } from '@imageflow/persistence';
import type { ObjectStore } from '@imageflow/storage';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { OBJECT_STORE } from '../../platform/platform.tokens';
import { RunsRepository } from '../repositories/runs.repository';
import type { runPageSchema, RunDetailsResponse, RunsQuery } from '../runs.schemas';

const isObjectRef = (value: unknown): value is { bucket: string; key: string } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { bucket?: unknown }).bucket === 'string' &&
  typeof (value as { key?: unknown }).key === 'string';

@Injectable()
export class RunsService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly runs: RunsRepository,
  ) {}

  async list(query: RunsQuery): Promise<z.infer<typeof runPageSchema>> {
    const { limit, cursor, ...filters } = query;
    try {
      return await this.runs.listRuns(filters, { limit, cursor: cursor ?? null });
    } catch (error) {
      if (error instanceof InvalidCursorError || error instanceof InvalidFilterError)
        throw new BadRequestException(error.message);
      throw error;
    }
  }

  async get(id: string): Promise<RunDetailsResponse> {
    const run = await this.runs.getRun(id);
    if (!run) throw new NotFoundException(`no run ${id}`);
    const ttl = this.config.PRESIGNED_URL_TTL_S;
    const steps = await Promise.all(run.steps.map((step) => this.withUrls(step, ttl)));
    return { ...run, steps, urlExpiresAt: new Date(Date.now() + ttl * 1000).toISOString() };
  }

  /** Each output that points at an object gets a presigned URL, so the UI can show it without credentials. */
  private async withUrls(step: StepRecord, ttl: number): Promise<RunDetailsResponse['steps'][number]> {
    const outputs = step.outputs
      ? await Promise.all(
          step.outputs.map(async (output) => {
            const record = (typeof output === 'object' && output !== null ? output : {}) as Record<
              string,
              unknown
            >;
            const object = record['object'];
            const withUrl = isObjectRef(object)
              ? { ...object, url: await this.store.presignedGetUrl(object, ttl) }
              : null;
            return {
              ...record,
              port: String(record['port'] ?? ''),
              kind: String(record['kind'] ?? ''),
              object: withUrl,
            };
          }),
        )
      : null;
    return { ...step, outputs };
  }
}
