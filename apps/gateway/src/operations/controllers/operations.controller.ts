import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { apiSchema, ApiZodQuery } from '../../common/openapi/zod-openapi';
import { parseOrBadRequest } from '../../common/validation/zod-validation';
import { operationsQuerySchema, operationsSchema, type OperationsResponse } from '../operations.schemas';
import { OperationsService } from '../services/operations.service';

@ApiTags('pipelines')
@ApiBearerAuth()
@Controller('api/v1/pipelines')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Get(':id/operations')
  @ApiOperation({
    summary:
      'Per node of a pipeline version: throughput, failures, p95 step time and stage-topic lag (Prometheus)',
    description:
      'Numbers are per part on its stage kind (all pipelines using that part) and per stage topic. When Prometheus ' +
      'cannot be asked the answer is still 200, with prometheus.ok=false and every number null.',
  })
  @ApiParam({ name: 'id', description: 'Pipeline id' })
  @ApiZodQuery(operationsQuerySchema)
  @ApiResponse({ status: 200, schema: apiSchema('PipelineOperations', operationsSchema) })
  @ApiResponse({
    status: 404,
    description: 'Unknown pipeline or version',
    schema: { $ref: '#/components/schemas/Error' },
  })
  async get(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<OperationsResponse> {
    const { version } = parseOrBadRequest(operationsQuerySchema, query, 'operations query');
    return this.operations.operations(id, version);
  }
}
