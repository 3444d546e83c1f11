import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Logger } from '@imageflow/observability';
import { LOGGER } from '../../platform/platform.tokens';
import type { ModelDetails, ModelManifest, ModelPublished, ModelSummary } from '../models.schemas';
import { latestKey, ModelRegistryRepository, versionKey } from '../repositories/model-registry.repository';

export interface ModelUpload {
  manifest: ModelManifest;
  /** The files of the version, by plain file name (manifest.json excluded). */
  files: { name: string; bytes: Buffer }[];
  /** Point LATEST at this version (default true). */
  latest: boolean;
}

const byVersion = (a: string, b: string): number => a.localeCompare(b, undefined, { numeric: true });

@Injectable()
export class ModelsService {
  constructor(
    private readonly registry: ModelRegistryRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Writes the files, then manifest.json, then LATEST, so compute-ai never sees a version whose files are still
   * uploading. A version is published once its manifest.json exists: publishing it again is a 409 (a failed
   * upload that stopped before the manifest can simply be sent again).
   */
  async publish(upload: ModelUpload): Promise<ModelPublished> {
    const { manifest } = upload;
    if (await this.registry.versionPublished(manifest.id, manifest.version)) {
      throw new ConflictException(
        `model ${manifest.id} version ${manifest.version} is already published; versions are immutable, publish a new version`,
      );
    }
    const files: ModelPublished['files'] = [];
    for (const file of upload.files) {
      const stored = await this.registry.put(
        versionKey(manifest.id, manifest.version, file.name),
        file.bytes,
        'application/octet-stream',
      );
      files.push({ name: file.name, ...stored });
    }
    await this.registry.put(
      versionKey(manifest.id, manifest.version, 'manifest.json'),
      Buffer.from(JSON.stringify(manifest, null, 2)),
      'application/json',
    );
    if (upload.latest) {
      await this.registry.put(
        latestKey(manifest.id),
        Buffer.from(JSON.stringify({ version: manifest.version })),
        'application/json',
      );
    }
    this.logger.info(
      {
        modelId: manifest.id,
        version: manifest.version,
        latest: upload.latest,
        files: files.map((f) => f.name),
      },
      'model published',
    );
    return { id: manifest.id, version: manifest.version, latest: upload.latest, files };
  }

  async list(): Promise<ModelSummary[]> {
    const versions = new Map<string, Set<string>>();
    for (const key of await this.registry.keys()) {
      const parts = key.split('/');
      if (parts.length !== 3 || parts[2] !== 'manifest.json') continue;
      const [id, version] = parts as [string, string];
      versions.set(id, (versions.get(id) ?? new Set()).add(version));
    }
    const ids = [...versions.keys()].sort();
    return Promise.all(
      ids.map(async (id) => {
        const latest = await this.registry.latest(id);
        return {
          id,
          latest,
          versions: [...(versions.get(id) ?? [])]
            .sort(byVersion)
            .map((version) => ({ version, latest: version === latest })),
        };
      }),
    );
  }

  async get(id: string): Promise<ModelDetails> {
    const keys = await this.registry.keys(`${id}/`);
    const files = new Map<string, string[]>();
    for (const key of keys) {
      const parts = key.split('/');
      if (parts.length !== 3) continue;
      const [, version, name] = parts as [string, string, string];
      files.set(version, [...(files.get(version) ?? []), name]);
    }
    const versions = [...files.entries()]
      .filter(([, names]) => names.includes('manifest.json'))
      .map(([v]) => v);
    if (!versions.length) throw new NotFoundException(`no model ${id}`);
    const latest = await this.registry.latest(id);
    return {
      id,
      latest,
      versions: await Promise.all(
        versions.sort(byVersion).map(async (version) => {
          const manifest = await this.readManifest(id, version);
          const text = (field: string) =>
            typeof manifest?.[field] === 'string' ? (manifest[field] as string) : null;
          const names = (files.get(version) ?? []).filter((name) => name !== 'manifest.json').sort();
          return {
            version,
            latest: version === latest,
            task: text('task'),
            title: text('title'),
            license: text('license'),
            files: await Promise.all(
              names.map(async (name) => ({
                name,
                size: (await this.registry.size(versionKey(id, version, name))) ?? 0,
              })),
            ),
            manifest,
          };
        }),
      ),
    };
  }

  private async readManifest(id: string, version: string): Promise<Record<string, unknown> | null> {
    const bytes = await this.registry.read(versionKey(id, version, 'manifest.json'));
    try {
      const value: unknown = bytes ? JSON.parse(bytes.toString('utf8')) : null;
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  }
}
