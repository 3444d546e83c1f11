import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type { BindingTargetKind } from '@imageflow/contracts';
import { InvalidCursorError, type BindingRecord } from '@imageflow/persistence';
import { versionIdOf, type PipelineDefinition } from '@imageflow/pipeline';
import { uuidv7 } from 'uuidv7';
import type { z } from '@imageflow/config';
import { PartsCatalogService } from '../../parts/services/parts-catalog.service';
import type {
  ActivationPublished,
  BindingPublished,
  Definition,
  pipelineDetailsSchema,
  pipelinePageSchema,
  VersionCreated,
} from '../pipelines.schemas';
import { PipelinesRepository } from '../repositories/pipelines.repository';
import { bindingKey, envelopeOf, PipelineEventsPublisher } from './pipeline-events.publisher';

/**
 * Pipelines, versions, activations and bindings. Writes validate against the live parts catalog and publish one
 * event to imageflow.pipelines.v1; reads come from the projector's tables. Projection is asynchronous, so a write
 * answers with what it published and becomes visible to reads a moment later.
 */
@Injectable()
export class PipelinesService {
  constructor(
    private readonly repository: PipelinesRepository,
    private readonly parts: PartsCatalogService,
    private readonly events: PipelineEventsPublisher,
  ) {}

  async create(
    input: { name: string; definition: Definition; message?: string | undefined },
    by: string,
  ): Promise<VersionCreated> {
    return this.saveVersion(uuidv7(), input.name, input.definition, input.message, by);
  }

  async addVersion(
    pipelineId: string,
    input: { definition: Definition; message?: string | undefined; name?: string | undefined },
    by: string,
  ): Promise<VersionCreated> {
    const pipeline = await this.repository.getPipeline(pipelineId);
    const name = input.name ?? pipeline?.name;
    if (!name)
      throw new NotFoundException(
        `no pipeline ${pipelineId} (or not projected yet); send "name" to save it anyway`,
      );
    const version = versionIdOf(input.definition as PipelineDefinition);
    const existing = await this.repository.getPipelineVersion(pipelineId, version);
    if (existing)
      return { pipelineId, version, eventId: null, created: false, stageKinds: existing.stageKinds };
    return this.saveVersion(pipelineId, name, input.definition, input.message, by);
  }

  async activate(pipelineId: string, version: string, by: string): Promise<ActivationPublished> {
    const known = await this.repository.getPipelineVersion(pipelineId, version);
    if (!known)
      throw new NotFoundException(
        `pipeline ${pipelineId} has no version ${version} (or it is not projected yet)`,
      );
    const pipeline = await this.repository.getPipeline(pipelineId);
    const eventId = await this.events.publish(pipelineId, 'PipelineVersionActivated', {
      envelope: envelopeOf('PipelineVersionActivated', { pipelineId, pipelineVersion: version }),
      pipelineId,
      version,
      activatedBy: by,
    });
    return { pipelineId, version, eventId, previousVersion: pipeline?.activeVersion?.version ?? null };
  }

  async list(query: {
    limit: number;
    cursor?: string | undefined;
  }): Promise<z.infer<typeof pipelinePageSchema>> {
    try {
      return await this.repository.listPipelines({ limit: query.limit, cursor: query.cursor ?? null });
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  async get(pipelineId: string): Promise<z.infer<typeof pipelineDetailsSchema>> {
    const pipeline = await this.repository.getPipeline(pipelineId);
    if (!pipeline) throw new NotFoundException(`no pipeline ${pipelineId}`);
    const [activations, bindings] = await Promise.all([
      this.repository.listActivations(pipelineId),
      this.repository.listBindings({ pipelineId }),
    ]);
    return { ...pipeline, activations, bindings };
  }

  async versions(pipelineId: string) {
    if (!(await this.repository.getPipeline(pipelineId)))
      throw new NotFoundException(`no pipeline ${pipelineId}`);
    return this.repository.listPipelineVersions(pipelineId);
  }

  async version(pipelineId: string, version: string) {
    const found = await this.repository.getPipelineVersion(pipelineId, version);
    if (!found) throw new NotFoundException(`pipeline ${pipelineId} has no version ${version}`);
    return found;
  }

  async bind(targetKind: BindingTargetKind, targetId: string, pipelineId: string): Promise<BindingPublished> {
    if (!(await this.repository.getPipeline(pipelineId))) {
      throw new NotFoundException(`no pipeline ${pipelineId} (or not projected yet)`);
    }
    const eventId = await this.events.publish(bindingKey(targetKind, targetId), 'BindingSet', {
      envelope: envelopeOf('BindingSet', { pipelineId }),
      targetKind,
      targetId,
      pipelineId,
    });
    return { targetKind, targetId, pipelineId, eventId };
  }

  /** Always publishes (removing an absent binding changes nothing), so it never races the projection of a BindingSet. */
  async unbind(targetKind: BindingTargetKind, targetId: string): Promise<BindingPublished> {
    const eventId = await this.events.publish(bindingKey(targetKind, targetId), 'BindingRemoved', {
      envelope: envelopeOf('BindingRemoved'),
      targetKind,
      targetId,
    });
    return { targetKind, targetId, pipelineId: null, eventId };
  }

  bindings(pipelineId?: string): Promise<BindingRecord[]> {
    return this.repository.listBindings(pipelineId ? { pipelineId } : {});
  }

  private async saveVersion(
    pipelineId: string,
    name: string,
    definition: Definition,
    message: string | undefined,
    by: string,
  ): Promise<VersionCreated> {
    const stageKinds = await this.validate(definition);
    const version = versionIdOf(definition as PipelineDefinition);
    const eventId = await this.events.publish(pipelineId, 'PipelineVersionCreated', {
      envelope: envelopeOf('PipelineVersionCreated', { pipelineId, pipelineVersion: version }),
      pipelineId,
      version,
      name,
      message: message ?? null,
      definitionJson: JSON.stringify(definition),
      stageKindsJson: JSON.stringify(stageKinds),
      createdBy: by,
    });
    return { pipelineId, version, eventId, created: true, stageKinds };
  }

  /** node id → stage kind, or 422 / 503 (PartsCatalogService.stageKindsOf). */
  private validate(definition: Definition): Promise<Record<string, string>> {
    return this.parts.stageKindsOf(definition as PipelineDefinition);
  }
}
