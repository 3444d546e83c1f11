import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Put,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { z } from '@imageflow/config';
import { apiSchema, ApiZodQuery } from '../../common/openapi/zod-openapi';
import { parseOrBadRequest } from '../../common/validation/zod-validation';
import {
  bindingBodySchema,
  bindingListSchema,
  bindingPublishedSchema,
  bindingsQuerySchema,
  targetIdSchema,
  type BindingPublished,
} from '../pipelines.schemas';
import { PipelinesService } from '../services/pipelines.service';

const errorRef = () => ({ $ref: '#/components/schemas/Error' });
const KINDS = { camera: 'CAMERA', line: 'LINE' } as const;

@ApiTags('bindings')
@ApiBearerAuth()
@Controller('api/v1/bindings')
export class BindingsController {
  constructor(private readonly pipelines: PipelinesService) {}

  @Get()
  @ApiOperation({ summary: 'Current bindings (cameras, then lines), optionally of one pipeline' })
  @ApiZodQuery(bindingsQuerySchema)
  @ApiResponse({ status: 200, schema: apiSchema('BindingList', bindingListSchema) })
  async list(@Query() query: Record<string, unknown>): Promise<z.infer<typeof bindingListSchema>> {
    const { pipelineId } = parseOrBadRequest(bindingsQuerySchema, query, 'bindings query');
    return { items: await this.pipelines.bindings(pipelineId) };
  }

  @Put(':kind/:id')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: "Bind a camera or line to a pipeline: its captures run the pipeline's active version",
    description:
      'Publishes BindingSet (key camera:<id> / line:<id>), replacing an earlier binding of the target.',
  })
  @ApiParam({ name: 'kind', enum: ['camera', 'line'] })
  @ApiParam({ name: 'id', description: 'Camera or line id' })
  @ApiBody({ schema: apiSchema('BindingBody', bindingBodySchema, 'input') })
  @ApiResponse({ status: 202, schema: apiSchema('BindingPublished', bindingPublishedSchema) })
  @ApiResponse({
    status: 404,
    description: 'Unknown pipeline (or not yet projected), or kind',
    schema: errorRef(),
  })
  async bind(
    @Param('kind') kind: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<BindingPublished> {
    const { pipelineId } = parseOrBadRequest(bindingBodySchema, body, 'binding');
    return this.pipelines.bind(
      this.kindOf(kind),
      parseOrBadRequest(targetIdSchema, id, `${kind} id`),
      pipelineId,
    );
  }

  @Delete(':kind/:id')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Remove the binding of a camera or line (publishes BindingRemoved)' })
  @ApiParam({ name: 'kind', enum: ['camera', 'line'] })
  @ApiResponse({ status: 202, schema: { $ref: '#/components/schemas/BindingPublished' } })
  async unbind(@Param('kind') kind: string, @Param('id') id: string): Promise<BindingPublished> {
    return this.pipelines.unbind(this.kindOf(kind), parseOrBadRequest(targetIdSchema, id, `${kind} id`));
  }

  private kindOf(kind: string): 'CAMERA' | 'LINE' {
    if (!Object.hasOwn(KINDS, kind))
      throw new NotFoundException(`no binding kind "${kind}": use camera or line`);
    return KINDS[kind as keyof typeof KINDS];
  }
}
