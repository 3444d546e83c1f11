import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { z } from '@imageflow/config';
import { apiSchema, ApiZodQuery } from '../../common/openapi/zod-openapi';
import { parseOrBadRequest } from '../../common/validation/zod-validation';
import { runDetailsSchema, runPageSchema, runsQuerySchema, type RunDetailsResponse } from '../runs.schemas';
import { RunsService } from '../services/runs.service';

@ApiTags('runs')
@ApiBearerAuth()
@Controller('api/v1/runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Get()
  @ApiOperation({
    summary: 'Runs, newest first, filtered; cursor pagination (?limit&cursor → { items, nextCursor })',
  })
  @ApiZodQuery(runsQuerySchema)
  @ApiResponse({ status: 200, schema: apiSchema('RunPage', runPageSchema) })
  @ApiResponse({
    status: 400,
    description: 'Invalid filter or cursor',
    schema: { $ref: '#/components/schemas/Error' },
  })
  async list(@Query() query: Record<string, unknown>): Promise<z.infer<typeof runPageSchema>> {
    return this.runs.list(parseOrBadRequest(runsQuerySchema, query, 'runs query'));
  }

  @Get(':id')
  @ApiOperation({
    summary:
      'One run: steps with attempts, timings and errors, outputs with presigned URLs, detections, judgements',
  })
  @ApiParam({ name: 'id', description: 'Run id' })
  @ApiResponse({ status: 200, schema: apiSchema('RunDetails', runDetailsSchema) })
  @ApiResponse({ status: 404, description: 'Unknown run', schema: { $ref: '#/components/schemas/Error' } })
  async get(@Param('id') id: string): Promise<RunDetailsResponse> {
    return this.runs.get(id);
  }
}
