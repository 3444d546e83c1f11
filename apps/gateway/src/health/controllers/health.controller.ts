import { Controller, Get, Header, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from '@imageflow/config';
import type { Registry } from '@imageflow/observability';
import type { Response } from 'express';
import { Public } from '../../auth/auth.decorators';
import { apiSchema } from '../../common/openapi/zod-openapi';
import { METRICS_REGISTRY } from '../../platform/platform.tokens';
import { ReadinessService, type Readiness } from '../services/readiness.service';

const check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
const readinessSchema = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.object({ kafka: check, postgres: check, s3: check, schemaRegistry: check }),
});

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: ReadinessService,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
  ) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiResponse({ status: 200, schema: apiSchema('Health', z.object({ status: z.literal('ok') })) })
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: Kafka, Postgres, S3 and the schema registry answer; each reported' })
  @ApiResponse({ status: 200, schema: apiSchema('Readiness', readinessSchema) })
  @ApiResponse({
    status: 503,
    description: 'A dependency is down (see checks) or the gateway is shutting down',
    schema: { $ref: '#/components/schemas/Readiness' },
  })
  async readyz(@Res({ passthrough: true }) res: Response): Promise<Readiness> {
    const readiness = await this.readiness.check();
    res.status(readiness.status === 'ready' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return readiness;
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics' })
  async metrics(@Res() res: Response): Promise<void> {
    res.type(this.registry.contentType).send(await this.registry.metrics());
  }
}
