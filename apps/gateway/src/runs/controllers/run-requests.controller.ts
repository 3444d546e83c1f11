import { Controller, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthenticatedRequest } from '../../auth/authenticated-key';
import { apiSchema } from '../../common/openapi/zod-openapi';
import { parseOrBadRequest } from '../../common/validation/zod-validation';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { IngestRejection } from '../../images/ingest-rejection';
import {
  runRequestedSchema,
  runStoredImageSchema,
  runUploadFieldsSchema,
  type RunRequested,
} from '../run-requests.schemas';
import { RunRequestsService } from '../services/run-requests.service';
import { RunUploadReader } from './run-upload.reader';

const errorRef = () => ({ $ref: '#/components/schemas/Error' });
const definitionDoc = {
  type: 'object',
  description: 'A draft PipelineDefinition { nodes, edges } (as in POST /api/v1/pipelines)',
};

@ApiTags('runs')
@ApiBearerAuth()
@Controller('api/v1/runs')
export class RunRequestsController {
  private readonly reader: RunUploadReader;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly runs: RunRequestsService,
  ) {
    this.reader = new RunUploadReader(config.INGEST_MAX_BYTES);
  }

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Run a pipeline version, or an unsaved draft, on one image',
    description:
      'multipart/form-data with the image in "image" and either "pipelineId" + "version" or "definition" (the JSON of ' +
      'a draft, validated like a new version; "pipelineId" optional); optional cameraId, lineId, lot, serial. Or JSON ' +
      '{ imageId, pipelineId, version } (or { imageId, definition }) to run an image already stored. The image is ' +
      'stored like an ingest (id = SHA-256), then RunStarted (trigger MANUAL) is appended to the run log; follow the ' +
      'run on GET /api/v1/runs/:id or over the live WebSocket.',
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({
    schema: {
      oneOf: [
        {
          type: 'object',
          required: ['image'],
          properties: {
            image: { type: 'string', format: 'binary' },
            pipelineId: { type: 'string' },
            version: { type: 'string' },
            definition: { type: 'string', description: 'JSON of a draft PipelineDefinition' },
            cameraId: { type: 'string' },
            lineId: { type: 'string' },
            lot: { type: 'string' },
            serial: { type: 'string' },
          },
        },
        {
          type: 'object',
          required: ['imageId'],
          properties: {
            imageId: { type: 'string', description: 'SHA-256 of a stored image' },
            pipelineId: { type: 'string' },
            version: { type: 'string' },
            definition: definitionDoc,
          },
        },
      ],
    },
  })
  @ApiResponse({
    status: 202,
    description: 'RunStarted appended',
    schema: apiSchema('RunRequested', runRequestedSchema),
  })
  @ApiResponse({
    status: 400,
    description: 'Bad fields or an image that does not decode',
    schema: errorRef(),
  })
  @ApiResponse({ status: 404, description: 'Unknown pipeline, version or image', schema: errorRef() })
  @ApiResponse({ status: 413, description: 'Over INGEST_MAX_BYTES or INGEST_MAX_PIXELS', schema: errorRef() })
  @ApiResponse({ status: 415, description: 'Content type or image format not accepted', schema: errorRef() })
  @ApiResponse({ status: 422, description: 'The draft is invalid; `issues` locate each problem' })
  @ApiResponse({
    status: 503,
    description: 'Kafka, storage or the parts catalog unavailable; retry',
    schema: errorRef(),
  })
  async run(
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RunRequested> {
    const by = req.apiKey ? `${req.apiKey.name} (${req.apiKey.id})` : 'unknown';
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type === 'multipart/form-data') {
      const upload = await this.reader.read(req as Request, res);
      const fields = parseOrBadRequest(runUploadFieldsSchema, upload.fields, 'run request');
      return this.runs.runUpload(upload.bytes, upload.declaredType, fields, by);
    }
    if (type === 'application/json')
      return this.runs.runStored(parseOrBadRequest(runStoredImageSchema, req.body, 'run request'), by);
    throw new IngestRejection(
      'unsupported_media_type',
      `Content-Type "${type || '(none)'}" is not accepted: send multipart/form-data with the image in "image", ` +
        'or JSON { imageId, pipelineId, version } for a stored image',
    );
  }
}
