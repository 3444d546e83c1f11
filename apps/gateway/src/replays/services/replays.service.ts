import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type { EventOf } from '@imageflow/contracts';
import { uuidv7 } from 'uuidv7';
import { PipelinesRepository } from '../../pipelines/repositories/pipelines.repository';
import { envelopeOf } from '../../pipelines/services/pipeline-events.publisher';
import { ReplaysRepository, type ReplayRecord } from '../repositories/replays.repository';
import type { ComparePage, CreateReplay, ReplayPublished, ReplayResponse } from '../replays.schemas';
import { compareImage, decodeImageCursor, encodeImageCursor, totalsOf } from './replay-compare';
import { ReplayEventsPublisher } from './replay-events.publisher';

@Injectable()
export class ReplaysService {
  constructor(
    private readonly pipelines: PipelinesRepository,
    private readonly replays: ReplaysRepository,
    private readonly publisher: ReplayEventsPublisher,
  ) {}

  /** Checks the versions exist in the read model, then publishes ReplayRequested with a new replay id. */
  async request(body: CreateReplay, requestedBy: string): Promise<ReplayPublished> {
    const { pipelineId, targetVersion, baselineVersion, filter } = body;
    for (const version of [targetVersion, ...(baselineVersion ? [baselineVersion] : [])]) {
      if (!(await this.pipelines.getPipelineVersion(pipelineId, version)))
        throw new NotFoundException(
          `pipeline ${pipelineId} has no version ${version} (or it is not yet projected)`,
        );
    }
    const replayId = uuidv7();
    const event: EventOf<'ReplayRequested'> = {
      envelope: { ...envelopeOf('ReplayRequested', { pipelineId, pipelineVersion: targetVersion }) },
      replayId,
      filter: {
        from: Date.parse(filter.from),
        to: Date.parse(filter.to),
        cameraIds: filter.cameraIds,
        lineIds: filter.lineIds,
        lots: filter.lots,
      },
      targetPipelineId: pipelineId,
      targetVersion,
      baselineVersion: baselineVersion ?? null,
      requestedBy,
    };
    return { replayId, eventId: await this.publisher.publish('ReplayRequested', event) };
  }

  async get(id: string): Promise<ReplayResponse> {
    const replay = await this.replayOr404(id);
    return { ...replay, runs: await this.replays.runCounts(id) };
  }

  /** Publishes ReplayCancelRequested: runs already started finish, no new ones start. */
  async cancel(id: string, requestedBy: string): Promise<ReplayPublished> {
    const replay = await this.replayOr404(id);
    const event: EventOf<'ReplayCancelRequested'> = {
      envelope: envelopeOf('ReplayCancelRequested', {
        ...(replay.pipelineId ? { pipelineId: replay.pipelineId } : {}),
        ...(replay.targetVersion ? { pipelineVersion: replay.targetVersion } : {}),
      }),
      replayId: id,
      requestedBy,
    };
    return { replayId: id, eventId: await this.publisher.publish('ReplayCancelRequested', event) };
  }

  async compare(id: string, page: { limit: number; cursor?: string | undefined }): Promise<ComparePage> {
    const replay = await this.replayOr404(id);
    const after = page.cursor === undefined ? undefined : decodeImageCursor(page.cursor);
    if (page.cursor !== undefined && after === undefined)
      throw new BadRequestException(
        `invalid cursor "${page.cursor.slice(0, 40)}": pass back the nextCursor of a previous page unchanged`,
      );
    const pairs = await this.replays.comparePairs(replay);
    const runIds = pairs.flatMap((p) => [p.replay.runId, ...(p.baseline ? [p.baseline.runId] : [])]);
    const findings = await this.replays.findings(runIds);
    // Ordered by image id in code-unit order (not the database collation), which the cursor relies on.
    const items = pairs
      .map((pair) => compareImage(pair, findings))
      .sort((a, b) => (a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0));
    const rest = after === undefined ? items : items.filter((item) => item.imageId > after);
    const pageItems = rest.slice(0, page.limit);
    const last = pageItems.at(-1);
    return {
      replayId: replay.id,
      pipelineId: replay.pipelineId,
      targetVersion: replay.targetVersion,
      baselineVersion: replay.baselineVersion,
      totals: totalsOf(items),
      items: pageItems,
      nextCursor: rest.length > page.limit && last ? encodeImageCursor(last.imageId) : null,
    };
  }

  private async replayOr404(id: string): Promise<ReplayRecord> {
    const replay = await this.replays.getReplay(id);
    if (!replay) throw new NotFoundException(`no replay ${id}`);
    return replay;
  }
}
