import { Controller, Get, HttpStatus, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { z } from '@imageflow/config';
import { ATTR } from '@imageflow/observability';
import type { Request, Response } from 'express';
import { Roles } from '../../auth/auth.decorators';
import { inServerSpan } from '../../common/http/http-tracing';
import { apiSchema } from '../../common/openapi/zod-openapi';
import { parseOrBadRequest } from '../../common/validation/zod-validation';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { parseCaptureFields } from '../capture-fields';
import { IngestRejection } from '../ingest-rejection';
import { IngestMetrics } from '../ingest.metrics';
import {
  CAPTURE_FIELD_SOURCES,
  captureFieldsSchema,
  imageIdSchema,
  imageSchema,
  ingestResultSchema,
  type IngestResult,
} from '../ingest.schemas';
import { IngestThrottlerGuard } from '../ingest-throttler.guard';
import { ImagesQueryService } from '../services/images-query.service';
import { IngestService } from '../services/ingest.service';
import { IngestUploadReader, RAW_CONTENT_TYPES } from './ingest-upload.reader';

const fieldDocs = captureFieldsSchema.shape;
const errorRef = () => ({ $ref: '#/components/schemas/Error' });

@ApiTags('images')
@ApiBearerAuth()
@Controller('api/v1/images')
export class ImagesController {
  private readonly reader: IngestUploadReader;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly ingestService: IngestService,
    private readonly query: ImagesQueryService,
    private readonly metrics: IngestMetrics,
  ) {
    this.reader = new IngestUploadReader(config.INGEST_MAX_BYTES);
  }

  @Post()
  @Roles('camera', 'operator', 'admin')
  @UseGuards(IngestThrottlerGuard)
  @ApiOperation({
    summary: 'Camera ingest: store an image under its SHA-256 id and produce ImageCaptured',
    description:
      'Send the bytes as the body (Content-Type image/jpeg, image/png, image/webp, image/tiff or application/octet-stream) ' +
      'with the capture fields as query parameters or X- headers, or as multipart/form-data with the image in "file" and the ' +
      'fields as parts. The same bytes always give the same imageId and one event: a resend answers 200 with duplicate=true.',
  })
  @ApiConsumes(...RAW_CONTENT_TYPES, 'multipart/form-data')
  @ApiBody({
    schema: {
      oneOf: [
        { type: 'string', format: 'binary', description: 'the image bytes' },
        {
          type: 'object',
          required: ['file', 'cameraId'],
          properties: { file: { type: 'string', format: 'binary' }, ...apiFieldProperties() },
        },
      ],
    },
  })
  @ApiQueryFields()
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Opaque key of an edge agent resend; recorded on the event',
  })
  @ApiResponse({
    status: 201,
    description: 'New image stored, ImageCaptured produced',
    schema: apiSchema('IngestResult', ingestResultSchema),
  })
  @ApiResponse({
    status: 200,
    description: 'These bytes were already ingested; nothing new was produced',
    schema: { $ref: '#/components/schemas/IngestResult' },
  })
  @ApiResponse({
    status: 400,
    description: 'Invalid fields, or bytes that are not a decodable image',
    schema: errorRef(),
  })
  @ApiResponse({ status: 413, description: 'Over INGEST_MAX_BYTES or INGEST_MAX_PIXELS', schema: errorRef() })
  @ApiResponse({ status: 415, description: 'Content type or image format not accepted', schema: errorRef() })
  @ApiResponse({ status: 429, description: 'Rate limit of the API key exceeded', schema: errorRef() })
  @ApiResponse({
    status: 503,
    description: 'Kafka or storage unavailable; nothing was lost, retry',
    schema: errorRef(),
  })
  ingest(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<IngestResult> {
    // The root span of the image's trace: ImageCaptured is produced inside it.
    return inServerSpan(req, '/api/v1/images', async (span) => {
      try {
        // Fields in the query and headers are checked before the body is read, so a bad request costs no upload.
        if (!req.headers['content-type']?.toLowerCase().startsWith('multipart/')) {
          parseCaptureFields({
            fields: {},
            query: req.query as Record<string, unknown>,
            headers: req.headers,
          });
        }
        const upload = await this.reader.read(req, res);
        const fields = parseCaptureFields({
          fields: upload.fields,
          query: req.query as Record<string, unknown>,
          headers: req.headers,
        });
        const result = await this.ingestService.ingest(upload.bytes, upload.declaredType, fields);
        const code = result.duplicate ? HttpStatus.OK : HttpStatus.CREATED;
        span.setAttributes({ [ATTR.imageId]: result.imageId, [ATTR.httpStatusCode]: code });
        res.status(code);
        return result;
      } catch (error) {
        if (error instanceof IngestRejection) this.metrics.reject(error.reason);
        throw error;
      }
    });
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One image: where it is stored, its capture fields and a presigned URL of the bytes',
  })
  @ApiParam({ name: 'id', description: 'SHA-256 of the bytes, hex' })
  @ApiResponse({ status: 200, schema: apiSchema('Image', imageSchema) })
  @ApiResponse({ status: 404, description: 'Unknown image (or not yet projected)', schema: errorRef() })
  async get(@Param('id') id: string): Promise<z.infer<typeof imageSchema>> {
    return this.query.get(parseOrBadRequest(imageIdSchema, id, 'image id'));
  }
}

function apiFieldProperties(): Record<string, { type: string; description?: string }> {
  return Object.fromEntries(
    Object.entries(fieldDocs).map(([name, schema]) => [
      name,
      { type: 'string', ...(schema.description ? { description: schema.description } : {}) },
    ]),
  );
}

/** Each capture field as an optional query parameter (it may come from a header or a multipart part instead). */
function ApiQueryFields(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const [name, schema] of Object.entries(fieldDocs)) {
      const header = CAPTURE_FIELD_SOURCES[name as keyof typeof CAPTURE_FIELD_SOURCES].header;
      ApiQuery({
        name,
        required: false,
        type: String,
        description: `${schema.description ?? name}; or header ${header}, or a multipart field`,
      })(target, key, descriptor);
    }
  };
}
