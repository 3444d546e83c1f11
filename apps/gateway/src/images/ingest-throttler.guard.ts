import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';

/** Ingest rate limit per API key (the global auth guard has already put the key on the request). */
@Injectable()
export class IngestThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const key = req['apiKey'] as { id?: string } | undefined;
    return key?.id ? `key:${key.id}` : `ip:${String(req['ip'])}`;
  }

  protected override async getErrorMessage(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<string> {
    return `rate limit: at most ${detail.limit} ingest requests per ${Math.round(detail.ttl / 1000)} s per API key; retry in ${Math.max(1, Math.ceil(detail.timeToBlockExpire))} s`;
  }
}
