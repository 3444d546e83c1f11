import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { z } from '@imageflow/config';
import type { Request, Response } from 'express';
import { Roles } from '../../auth/auth.decorators';
import { apiSchema } from '../../common/openapi/zod-openapi';
import { parseOrBadRequest } from '../../common/validation/zod-validation';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import {
  modelDetailsSchema,
  modelIdSchema,
  modelListSchema,
  modelPublishedSchema,
  type ModelDetails,
  type ModelPublished,
} from '../models.schemas';
import { ModelsService } from '../services/models.service';
import { ModelUploadReader } from './model-upload.reader';

const errorRef = () => ({ $ref: '#/components/schemas/Error' });

@ApiTags('models')
@ApiBearerAuth()
@Controller('api/v1/models')
export class ModelsController {
  private readonly reader: ModelUploadReader;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly models: ModelsService,
  ) {
    this.reader = new ModelUploadReader({
      maxFileBytes: config.MODEL_UPLOAD_MAX_FILE_BYTES,
      maxFiles: config.MODEL_UPLOAD_MAX_FILES,
    });
  }

  @Get()
  @ApiOperation({ summary: 'Published models: ids, their versions, and which one LATEST points at' })
  @ApiResponse({ status: 200, schema: apiSchema('ModelList', modelListSchema) })
  async list(): Promise<z.infer<typeof modelListSchema>> {
    return { items: await this.models.list() };
  }

  @Get(':id')
  @ApiOperation({ summary: "One model's versions with their manifests and files" })
  @ApiParam({ name: 'id', description: 'Model id, e.g. ppocr-v4-det' })
  @ApiResponse({ status: 200, schema: apiSchema('ModelDetails', modelDetailsSchema) })
  @ApiResponse({ status: 404, description: 'No published version of that id', schema: errorRef() })
  async get(@Param('id') id: string): Promise<ModelDetails> {
    return this.models.get(parseOrBadRequest(modelIdSchema, id, 'model id'));
  }

  @Post()
  @Roles('admin', 'operator')
  @ApiOperation({
    summary: 'Publish a model version: manifest + files into the models bucket, then LATEST',
    description:
      'multipart/form-data: "manifest" (JSON text field or file part; id, version, task, file, input, postprocess…) ' +
      'and the files of the version as file parts, stored under their file names (e.g. model.onnx, a dictionary). ' +
      'Writes <id>/<version>/<files>, then <id>/<version>/manifest.json, then <id>/LATEST (unless latest=false); ' +
      'compute-ai picks the new LATEST up without a restart.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['manifest'],
      properties: {
        manifest: {
          type: 'string',
          description: 'manifest.json (see libs/inference/src/models/manifest.ts)',
        },
        latest: {
          type: 'string',
          enum: ['true', 'false'],
          description: 'Point LATEST at this version (default true)',
        },
        files: { type: 'array', items: { type: 'string', format: 'binary' } },
      },
    },
  })
  @ApiResponse({ status: 201, schema: apiSchema('ModelPublished', modelPublishedSchema) })
  @ApiResponse({
    status: 400,
    description: 'Invalid manifest (the field is named) or files',
    schema: errorRef(),
  })
  @ApiResponse({ status: 409, description: 'That version is already published', schema: errorRef() })
  @ApiResponse({
    status: 413,
    description: 'A file over MODEL_UPLOAD_MAX_FILE_BYTES, or too many files',
    schema: errorRef(),
  })
  @ApiResponse({ status: 415, description: 'Not multipart/form-data', schema: errorRef() })
  async publish(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<ModelPublished> {
    return this.models.publish(await this.reader.read(req, res));
  }
}
