import {
  Inject,
  Injectable,
  ServiceUnavailableException,
  UnprocessableEntityException,
  type OnModuleDestroy,
} from '@nestjs/common';
import { computeV1 } from '@imageflow/contracts/grpc';
import { grpcClientDuration, type Logger, type Registry } from '@imageflow/observability';
import {
  catalogOf,
  partKey,
  validateDefinition,
  type PartCatalog,
  type PipelineDefinition,
  type PortKind,
} from '@imageflow/pipeline';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { LOGGER, METRICS_REGISTRY } from '../../platform/platform.tokens';
import { ComputeDescribeClient, describeFailure } from '../adapters/compute-describe.adapter';
import type { Part, PartsCatalog } from '../parts.schemas';

type Source = PartsCatalog['sources'][number];

const CATEGORIES: Partial<Record<computeV1.Category, Part['category']>> = {
  [computeV1.Category.PRE]: 'pre',
  [computeV1.Category.AI]: 'ai',
  [computeV1.Category.POST]: 'post',
};

const PORT_KIND_NAMES: Partial<Record<computeV1.PortKind, PortKind>> = {
  [computeV1.PortKind.IMAGE]: 'IMAGE',
  [computeV1.PortKind.DETECTIONS]: 'DETECTIONS',
  [computeV1.PortKind.MASK]: 'MASK',
  [computeV1.PortKind.TEXT]: 'TEXT',
  [computeV1.PortKind.MEASUREMENTS]: 'MEASUREMENTS',
  [computeV1.PortKind.JUDGEMENT]: 'JUDGEMENT',
};

const CATEGORY_ORDER: Record<Part['category'], number> = { pre: 0, ai: 1, post: 2 };

/**
 * One part descriptor from Describe as the REST shape; a descriptor the canvas could not use (unknown category or
 * port kind, parameters schema that is not a JSON object) is refused with the reason.
 */
export function partFromDescriptor(descriptor: computeV1.PartDescriptor, source: string): Part {
  const category = CATEGORIES[descriptor.category];
  if (!category) throw new Error(`unknown category ${descriptor.category}`);
  const ports = (specs: computeV1.PortSpec[]) =>
    specs.map((spec) => {
      const kind = PORT_KIND_NAMES[spec.kind];
      if (!kind) throw new Error(`port "${spec.name}" has an unknown kind ${spec.kind}`);
      return {
        name: spec.name,
        kind,
        required: spec.required,
        title: { en: spec.titleEn, ja: spec.titleJa },
      };
    });
  let parametersSchema: unknown;
  try {
    parametersSchema = JSON.parse(descriptor.parametersSchemaJson || '{}');
  } catch (error) {
    throw new Error(`parameters schema is not JSON (${(error as Error).message})`);
  }
  if (typeof parametersSchema !== 'object' || parametersSchema === null || Array.isArray(parametersSchema)) {
    throw new Error('parameters schema is not a JSON object');
  }
  return {
    id: descriptor.id,
    version: descriptor.version,
    category,
    stageKind: descriptor.stageKind,
    title: { en: descriptor.titleEn, ja: descriptor.titleJa },
    description: { en: descriptor.descriptionEn, ja: descriptor.descriptionJa },
    inputs: ports(descriptor.inputs),
    outputs: ports(descriptor.outputs),
    parametersSchema: parametersSchema as Record<string, unknown>,
    source,
  };
}

/** Merges the answers of every compute service: first service to name an id@version wins, sorted for the palette. */
export function mergeCatalog(
  answers: { address: string; latencyMs: number; response?: computeV1.DescribeResponse; error?: string }[],
): Omit<PartsCatalog, 'fetchedAt'> {
  const byKey = new Map<string, Part>();
  const sources: Source[] = answers.map(({ address, latencyMs, response, error }) => {
    const source: Source = {
      address,
      service: response?.service || null,
      ok: !!response,
      parts: 0,
      latencyMs,
      error: response ? null : (error ?? 'no answer'),
      skipped: [],
    };
    for (const descriptor of response?.parts ?? []) {
      const key = `${descriptor.id}@${descriptor.version}`;
      if (byKey.has(key)) {
        source.skipped.push({ id: key, reason: `already served by ${byKey.get(key)?.source}` });
        continue;
      }
      try {
        byKey.set(key, partFromDescriptor(descriptor, address));
        source.parts++;
      } catch (problem) {
        source.skipped.push({ id: key, reason: (problem as Error).message });
      }
    }
    return source;
  });
  const parts = [...byKey.values()].sort(
    (a, b) =>
      CATEGORY_ORDER[a.category] - CATEGORY_ORDER[b.category] ||
      a.id.localeCompare(b.id) ||
      a.version.localeCompare(b.version, undefined, { numeric: true }),
  );
  return { parts, sources };
}

/**
 * The parts catalog: every compute service's Describe, asked in parallel, merged and cached for PARTS_CACHE_TTL_MS.
 * A service that is down or slow is reported in `sources` and the others' parts are still served; a catalog with a
 * failed source is kept for at most 2 s, so a service that comes back shows up quickly. Concurrent callers share one
 * round of Describe calls.
 */
@Injectable()
export class PartsCatalogService implements OnModuleDestroy {
  private readonly clients: ComputeDescribeClient[];
  private cached: { catalog: PartsCatalog; expiresAt: number } | undefined;
  private inFlight: Promise<PartsCatalog> | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const latency = grpcClientDuration(registry);
    this.clients = config.COMPUTE_ADDRESSES.map(
      (address) =>
        new ComputeDescribeClient({
          address,
          deadlineMs: config.COMPUTE_DESCRIBE_DEADLINE_MS,
          maxMessageBytes: config.COMPUTE_MAX_MESSAGE_BYTES,
          latency,
        }),
    );
  }

  async catalog(): Promise<PartsCatalog> {
    if (this.cached && this.cached.expiresAt > Date.now()) return this.cached.catalog;
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** The catalog as `@imageflow/pipeline` validation reads it (lookup by id@version). */
  async partCatalog(): Promise<{ catalog: PartCatalog; sources: PartsCatalog['sources'] }> {
    const { parts, sources } = await this.catalog();
    return { catalog: catalogOf(parts), sources };
  }

  /**
   * The rules every definition that is saved or run must pass: validateDefinition against the live catalog; returns
   * node id → stage kind. Invalid → 422 with every located issue. Parts unknown while a compute service is not
   * answering → 503 (the catalog is incomplete, not the pipeline).
   */
  async stageKindsOf(definition: PipelineDefinition): Promise<Record<string, string>> {
    const { catalog, sources } = await this.partCatalog();
    const result = validateDefinition(definition, catalog);
    if (!result.valid) {
      const failed = sources.filter((s) => !s.ok);
      if (failed.length && result.issues.some((issue) => issue.code === 'UNKNOWN_PART')) {
        throw new ServiceUnavailableException(
          `the parts catalog is incomplete (${failed.map((s) => `${s.address}: ${s.error}`).join('; ')}); ` +
            `cannot check ${result.issues
              .filter((i) => i.code === 'UNKNOWN_PART')
              .map((i) => i.nodeId)
              .join(', ')}; retry`,
        );
      }
      throw new UnprocessableEntityException({
        message: `invalid pipeline definition: ${result.issues.map((issue) => issue.message).join('; ')}`,
        issues: result.issues,
      });
    }
    const stageKinds: Record<string, string> = {};
    for (const node of definition.nodes) {
      const part = catalog.get(partKey(node.part.id, node.part.version));
      if (part) stageKinds[node.id] = part.stageKind;
    }
    return stageKinds;
  }

  private async fetch(): Promise<PartsCatalog> {
    const fetchedAt = new Date().toISOString();
    const answers = await Promise.all(
      this.clients.map(async (client) => {
        const started = performance.now();
        try {
          const response = await client.describe();
          return { address: client.address, latencyMs: Math.round(performance.now() - started), response };
        } catch (error) {
          const reason = describeFailure(error);
          this.logger.warn({ address: client.address, reason }, 'compute service did not answer Describe');
          return {
            address: client.address,
            latencyMs: Math.round(performance.now() - started),
            error: reason,
          };
        }
      }),
    );
    const catalog = { ...mergeCatalog(answers), fetchedAt };
    for (const source of catalog.sources) {
      if (source.skipped.length)
        this.logger.warn({ address: source.address, skipped: source.skipped }, 'parts left out');
    }
    const ttl = catalog.sources.every((s) => s.ok)
      ? this.config.PARTS_CACHE_TTL_MS
      : Math.min(this.config.PARTS_CACHE_TTL_MS, 2_000);
    this.cached = { catalog, expiresAt: Date.now() + ttl };
    return catalog;
  }

  onModuleDestroy(): void {
    for (const client of this.clients) client.close();
  }
}
