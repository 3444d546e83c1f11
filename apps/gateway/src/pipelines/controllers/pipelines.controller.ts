import { Body, Controller, Get, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { z } from '@imageflow/config';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../../auth/authenticated-key';
import { apiSchema, ApiZodQuery } from '../../common/openapi/zod-openapi';
import { parseOrBadRequest } from '../../common/validation/zod-validation';
import {
  activationPublishedSchema,
  createPipelineSchema,
  createVersionSchema,
  invalidDefinitionSchema,
  pipelineDetailsSchema,
  pipelinePageSchema,
  pipelinesQuerySchema,
  versionCreatedSchema,
  versionDetailsSchema,
  versionListSchema,
  type ActivationPublished,
  type VersionCreated,
} from '../pipelines.schemas';
import { PipelinesService } from '../services/pipelines.service';

const errorRef = () => ({ $ref: '#/components/schemas/Error' });
const invalidRef = () => ({ $ref: '#/components/schemas/InvalidPipelineDefinition' });
export const authorOf = (req: AuthenticatedRequest): string =>
  req.apiKey ? `${req.apiKey.name} (key ${req.apiKey.id})` : 'unknown';

@ApiTags('pipelines')
@ApiBearerAuth()
@Controller('api/v1/pipelines')
export class PipelinesController {
  constructor(private readonly pipelines: PipelinesService) {
    apiSchema('InvalidPipelineDefinition', invalidDefinitionSchema);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a pipeline with its first version (validated against the parts catalog)',
    description:
      'Publishes PipelineVersionCreated (key: the new pipeline id). The read side shows it once projected; activate ' +
      'the version with POST …/versions/:version/activate.',
  })
  @ApiBody({ schema: apiSchema('CreatePipeline', createPipelineSchema, 'input') })
  @ApiResponse({ status: 201, schema: apiSchema('VersionCreated', versionCreatedSchema) })
  @ApiResponse({ status: 400, description: 'Malformed body', schema: errorRef() })
  @ApiResponse({ status: 422, description: 'Invalid definition: every issue, located', schema: invalidRef() })
  @ApiResponse({
    status: 503,
    description: 'Kafka, or a compute service the definition needs, unavailable',
    schema: errorRef(),
  })
  async create(@Body() body: unknown, @Req() req: AuthenticatedRequest): Promise<VersionCreated> {
    return this.pipelines.create(parseOrBadRequest(createPipelineSchema, body, 'pipeline'), authorOf(req));
  }

  @Get()
  @ApiOperation({ summary: 'Pipelines, newest first, with their active version; cursor pagination' })
  @ApiZodQuery(pipelinesQuerySchema)
  @ApiResponse({ status: 200, schema: apiSchema('PipelinePage', pipelinePageSchema) })
  async list(@Query() query: Record<string, unknown>): Promise<z.infer<typeof pipelinePageSchema>> {
    return this.pipelines.list(parseOrBadRequest(pipelinesQuerySchema, query, 'pipelines query'));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One pipeline: active version, activation history (rollbacks flagged), bindings' })
  @ApiParam({ name: 'id', description: 'Pipeline id' })
  @ApiResponse({ status: 200, schema: apiSchema('PipelineDetails', pipelineDetailsSchema) })
  @ApiResponse({ status: 404, description: 'Unknown pipeline (or not yet projected)', schema: errorRef() })
  async get(@Param('id') id: string): Promise<z.infer<typeof pipelineDetailsSchema>> {
    return this.pipelines.get(id);
  }

  @Post(':id/versions')
  @ApiOperation({
    summary: 'Save a new immutable version (id = sha256 of the canonical definition)',
    description:
      '201 and PipelineVersionCreated when new; 200 with created=false and nothing published when this exact ' +
      'definition is already a version of the pipeline.',
  })
  @ApiParam({ name: 'id', description: 'Pipeline id' })
  @ApiBody({ schema: apiSchema('CreateVersion', createVersionSchema, 'input') })
  @ApiResponse({ status: 201, schema: { $ref: '#/components/schemas/VersionCreated' } })
  @ApiResponse({
    status: 200,
    description: 'Already a version',
    schema: { $ref: '#/components/schemas/VersionCreated' },
  })
  @ApiResponse({ status: 404, description: 'Unknown pipeline and no "name" given', schema: errorRef() })
  @ApiResponse({ status: 422, description: 'Invalid definition: every issue, located', schema: invalidRef() })
  async addVersion(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<VersionCreated> {
    const result = await this.pipelines.addVersion(
      id,
      parseOrBadRequest(createVersionSchema, body, 'version'),
      authorOf(req),
    );
    res.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    return result;
  }

  @Get(':id/versions')
  @ApiOperation({ summary: 'Every version of a pipeline, newest first (without definitions)' })
  @ApiResponse({ status: 200, schema: apiSchema('PipelineVersionList', versionListSchema) })
  @ApiResponse({ status: 404, description: 'Unknown pipeline', schema: errorRef() })
  async versions(@Param('id') id: string): Promise<z.infer<typeof versionListSchema>> {
    return { items: await this.pipelines.versions(id) };
  }

  @Get(':id/versions/:version')
  @ApiOperation({ summary: 'One version with its definition' })
  @ApiParam({ name: 'version', description: 'Version id (sha256:…)' })
  @ApiResponse({ status: 200, schema: apiSchema('PipelineVersion', versionDetailsSchema) })
  @ApiResponse({ status: 404, description: 'Unknown pipeline or version', schema: errorRef() })
  async version(
    @Param('id') id: string,
    @Param('version') version: string,
  ): Promise<z.infer<typeof versionDetailsSchema>> {
    return this.pipelines.version(id, version);
  }

  @Post(':id/versions/:version/activate')
  @ApiOperation({
    summary: 'Activate a version (also a rollback: activate an older one); captures from now on run it',
    description: 'Publishes PipelineVersionActivated (202); the read side shows it once projected.',
  })
  @ApiResponse({ status: 202, schema: apiSchema('ActivationPublished', activationPublishedSchema) })
  @ApiResponse({
    status: 404,
    description: 'Unknown pipeline or version (or not yet projected)',
    schema: errorRef(),
  })
  async activate(
    @Param('id') id: string,
    @Param('version') version: string,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ActivationPublished> {
    const result = await this.pipelines.activate(id, version, authorOf(req));
    res.status(HttpStatus.ACCEPTED);
    return result;
  }
}
