import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../../auth/authenticated-key';
import { apiSchema, ApiZodQuery } from '../../common/openapi/zod-openapi';
import { parseOrBadRequest } from '../../common/validation/zod-validation';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { authorOf } from '../../pipelines/controllers/pipelines.controller';
import {
  comparePageSchema,
  compareQuerySchema,
  createReplaySchema,
  replayIdSchema,
  replayPublishedSchema,
  replaySchema,
  type ComparePage,
  type ReplayPublished,
  type ReplayResponse,
} from '../replays.schemas';
import { ReplaysService } from '../services/replays.service';

const errorRef = () => ({ $ref: '#/components/schemas/Error' });

@ApiTags('replays')
@ApiBearerAuth()
@Controller('api/v1/replays')
export class ReplaysController {
  private readonly createSchema: ReturnType<typeof createReplaySchema>;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly replays: ReplaysService,
  ) {
    this.createSchema = createReplaySchema(config.REPLAY_MAX_WINDOW_MS);
    apiSchema('CreateReplay', this.createSchema, 'input');
  }

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Replay past captures (time window, cameras, lines, lots) through a pipeline version',
    description:
      'Checks the versions exist, then publishes ReplayRequested (key: the new replay id) to the run-events ' +
      'topic; the orchestrator scans imageflow.images.v1 and starts a run per matching capture, tagged with the ' +
      'replay. Follow it with GET …/replays/:id and compare with GET …/replays/:id/compare.',
  })
  @ApiBody({ schema: { $ref: '#/components/schemas/CreateReplay' } })
  @ApiResponse({ status: 202, schema: apiSchema('ReplayPublished', replayPublishedSchema) })
  @ApiResponse({
    status: 400,
    description: 'Malformed body, from not before to, or a window over REPLAY_MAX_WINDOW_MS',
    schema: errorRef(),
  })
  @ApiResponse({
    status: 404,
    description: 'Unknown pipeline or version (or not yet projected)',
    schema: errorRef(),
  })
  @ApiResponse({ status: 503, description: 'Kafka unavailable; nothing was published', schema: errorRef() })
  async create(@Body() body: unknown, @Req() req: AuthenticatedRequest): Promise<ReplayPublished> {
    return this.replays.request(parseOrBadRequest(this.createSchema, body, 'replay'), authorOf(req));
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Progress of a replay: status, captures matched, runs started, runs by status, outcome',
  })
  @ApiParam({ name: 'id', description: 'Replay id' })
  @ApiResponse({ status: 200, schema: apiSchema('Replay', replaySchema) })
  @ApiResponse({ status: 404, description: 'Unknown replay (or not yet projected)', schema: errorRef() })
  async get(@Param('id') id: string): Promise<ReplayResponse> {
    return this.replays.get(parseOrBadRequest(replayIdSchema, id, 'replay id'));
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Cancel a replay: runs already started finish, no new ones start',
    description:
      'Publishes ReplayCancelRequested (key: the replay id); the status moves to cancelling, then cancelled.',
  })
  @ApiParam({ name: 'id', description: 'Replay id' })
  @ApiResponse({ status: 202, schema: { $ref: '#/components/schemas/ReplayPublished' } })
  @ApiResponse({ status: 404, description: 'Unknown replay (or not yet projected)', schema: errorRef() })
  async cancel(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<ReplayPublished> {
    return this.replays.cancel(parseOrBadRequest(replayIdSchema, id, 'replay id'), authorOf(req));
  }

  @Get(':id/compare')
  @ApiOperation({
    summary:
      "Per image, the replay's run against the baseline run: verdict, detection labels and texts, text outputs",
    description:
      "The baseline of an image is the run of the replay's baselineVersion on it, or, without one, its original " +
      '(non-replay) run. Totals cover every image of the replay; the per-image list is ordered by image id.',
  })
  @ApiParam({ name: 'id', description: 'Replay id' })
  @ApiZodQuery(compareQuerySchema)
  @ApiResponse({ status: 200, schema: apiSchema('ReplayCompare', comparePageSchema) })
  @ApiResponse({ status: 400, description: 'Bad limit or cursor', schema: errorRef() })
  @ApiResponse({ status: 404, description: 'Unknown replay (or not yet projected)', schema: errorRef() })
  async compare(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<ComparePage> {
    return this.replays.compare(
      parseOrBadRequest(replayIdSchema, id, 'replay id'),
      parseOrBadRequest(compareQuerySchema, query, 'compare query'),
    );
  }
}
