// The operations view of one pipeline version: per node, what Prometheus knows of its stage (see operations.queries).
// Prometheus being down is not an error of this endpoint: the canvas still draws, with the numbers unknown.
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Logger } from '@imageflow/observability';
import { PipelinesRepository } from '@imageflow/persistence';
import type { PipelineDefinition } from '@imageflow/pipeline';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { LOGGER } from '../../platform/platform.tokens';
import { PrometheusClient, PrometheusUnavailableError, type Sample } from '../adapters/prometheus.adapter';
import {
  nodeOperations,
  OPERATIONS_QUERIES,
  unknownOperations,
  type NodeOfVersion,
  type OperationsQuery,
} from '../operations.queries';
import type { OperationsResponse } from '../operations.schemas';

export const PROMETHEUS_CLIENT = Symbol('PROMETHEUS_CLIENT');

@Injectable()
export class OperationsService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PROMETHEUS_CLIENT) private readonly prometheus: PrometheusClient,
    private readonly pipelines: PipelinesRepository,
  ) {}

  async operations(pipelineId: string, requested?: string): Promise<OperationsResponse> {
    const pipeline = await this.pipelines.getPipeline(pipelineId);
    if (!pipeline) throw new NotFoundException(`no pipeline ${pipelineId}`);
    const version =
      requested ??
      pipeline.activeVersion?.version ??
      (await this.pipelines.listPipelineVersions(pipelineId))[0]?.version;
    if (!version) throw new NotFoundException(`pipeline ${pipelineId} has no version yet`);
    const saved = await this.pipelines.getPipelineVersion(pipelineId, version);
    if (!saved) throw new NotFoundException(`pipeline ${pipelineId} has no version ${version}`);
    const definition = saved.definition as PipelineDefinition;
    const nodes: NodeOfVersion[] = definition.nodes.map((node) => ({
      nodeId: node.id,
      partId: node.part.id,
      stageKind: saved.stageKinds[node.id] ?? 'unknown',
    }));
    const at = new Date().toISOString();
    try {
      const names = Object.keys(OPERATIONS_QUERIES) as OperationsQuery[];
      const answers = await Promise.all(names.map((name) => this.prometheus.query(OPERATIONS_QUERIES[name])));
      const results = Object.fromEntries(names.map((name, i) => [name, answers[i] ?? []])) as Record<
        OperationsQuery,
        Sample[]
      >;
      return {
        pipelineId,
        version,
        at,
        nodes: nodeOperations(nodes, results, (kind) =>
          this.config.STAGE_TOPIC_TEMPLATE.replace('{kind}', kind),
        ),
        prometheus: { ok: true, error: null },
      };
    } catch (error) {
      if (!(error instanceof PrometheusUnavailableError)) throw error;
      this.logger.warn({ err: error.message }, 'operations view without metrics: Prometheus unavailable');
      return {
        pipelineId,
        version,
        at,
        nodes: unknownOperations(nodes),
        prometheus: { ok: false, error: error.message },
      };
    }
  }
}
