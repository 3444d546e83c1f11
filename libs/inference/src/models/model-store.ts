import type { BatcherOptions } from '../batching/dynamic-batcher';
import { InferenceError, isInferenceError } from '../errors';
import type { OnnxAdapter } from '../onnx/onnx.adapter';
import { MODEL_ID, MODEL_VERSION, parseManifest, type ModelManifest } from './manifest';
import { ModelRunner } from './model-runner';
import { latestKey, versionKey, type ModelSource } from './model-source';

export interface LoadedModel {
  /** `<id>@<version>` */
  ref: string;
  manifest: ModelManifest;
  runner: ModelRunner;
  /** Text recognition: the characters of the CTC classes. */
  dictionary: string[] | undefined;
}

export interface ModelStoreOptions {
  /** How long a model's LATEST pointer is trusted before it is read again (new versions show up within this). */
  latestTtlMs: number;
  /** Sessions kept in memory; the least recently used one is released beyond this. */
  maxLoadedModels: number;
  batching: BatcherOptions;
}

export interface ModelStoreObserver {
  onBatch?(model: LoadedModel, size: number, waitMs: number, runMs: number): void;
  onLoad?(model: LoadedModel, ms: number): void;
  onSwitch?(id: string, from: string | undefined, to: string): void;
  onError?(message: string, error: unknown): void;
}

interface Pointer {
  version: string;
  checkedAt: number;
}

/**
 * Loads models from a ModelSource on first use and caches their sessions. A request without a version gets the
 * model's LATEST pointer, re-read at most every `latestTtlMs`, so publishing a new version switches requests to it
 * without a restart; requests already running finish on the version they started with.
 */
export class ModelStore {
  private readonly pointers = new Map<string, Pointer>();
  private readonly pointerReads = new Map<string, Promise<string>>();
  private readonly models = new Map<string, Promise<LoadedModel>>();
  private readonly retiring = new Set<NodeJS.Timeout>();

  constructor(
    private readonly source: ModelSource,
    private readonly onnx: OnnxAdapter,
    private readonly options: ModelStoreOptions,
    private readonly observer: ModelStoreObserver = {},
  ) {}

  /** The model `id` at `version`, or at its latest published version. */
  async get(id: string, version?: string): Promise<LoadedModel> {
    if (!MODEL_ID.test(id))
      throw new InferenceError('UNKNOWN_MODEL', `unknown model "${id}": not a valid model id`);
    if (version !== undefined && version !== '' && !MODEL_VERSION.test(version)) {
      throw new InferenceError('UNKNOWN_MODEL', `unknown model "${id}@${version}": not a valid version`);
    }
    const resolved = version ? version : await this.latestVersion(id);
    return this.load(id, resolved);
  }

  /** The version LATEST points at (cached for `latestTtlMs`). */
  async latestVersion(id: string): Promise<string> {
    const cached = this.pointers.get(id);
    if (cached && performance.now() - cached.checkedAt < this.options.latestTtlMs) return cached.version;
    let read = this.pointerReads.get(id);
    if (!read) {
      read = this.readPointer(id, cached).finally(() => this.pointerReads.delete(id));
      this.pointerReads.set(id, read);
    }
    return read;
  }

  /** Refs of the sessions currently loaded. */
  loaded(): string[] {
    return [...this.models.keys()];
  }

  async close(): Promise<void> {
    for (const timer of this.retiring) clearTimeout(timer);
    this.retiring.clear();
    const all = [...this.models.values()];
    this.models.clear();
    await Promise.allSettled(all.map(async (p) => (await p).runner.model.release()));
  }

  private async readPointer(id: string, cached: Pointer | undefined): Promise<string> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.source.read(latestKey(id));
    } catch (error) {
      // A store hiccup must not take a known model offline: keep serving the version we have.
      if (cached && isInferenceError(error, 'STORE_UNAVAILABLE')) {
        this.observer.onError?.(`model ${id}: cannot refresh LATEST, keeping ${cached.version}`, error);
        cached.checkedAt = performance.now();
        return cached.version;
      }
      throw error;
    }
    if (!bytes) {
      this.pointers.delete(id);
      throw new InferenceError(
        'UNKNOWN_MODEL',
        `unknown model "${id}": nothing published in ${this.source.description}`,
      );
    }
    let version: unknown;
    try {
      version = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { version?: unknown }).version;
    } catch {
      version = undefined;
    }
    if (typeof version !== 'string' || !MODEL_VERSION.test(version)) {
      throw new InferenceError('INVALID_MANIFEST', `model ${id}: LATEST is not {"version": "<version>"}`);
    }
    if (cached?.version !== version) this.observer.onSwitch?.(id, cached?.version, version);
    this.pointers.set(id, { version, checkedAt: performance.now() });
    return version;
  }

  private load(id: string, version: string): Promise<LoadedModel> {
    const ref = `${id}@${version}`;
    let loading = this.models.get(ref);
    if (loading) {
      // Most recently used last.
      this.models.delete(ref);
      this.models.set(ref, loading);
      return loading;
    }
    loading = this.fetchAndLoad(id, version);
    this.models.set(ref, loading);
    loading.then(
      () => this.evict(),
      () => this.models.delete(ref), // a failed load is retried by the next request
    );
    return loading;
  }

  private async fetchAndLoad(id: string, version: string): Promise<LoadedModel> {
    const ref = `${id}@${version}`;
    const started = performance.now();
    const manifestBytes = await this.source.read(versionKey(id, version, 'manifest.json'));
    if (!manifestBytes)
      throw new InferenceError(
        'UNKNOWN_MODEL',
        `unknown model "${ref}": no manifest in ${this.source.description}`,
      );
    const manifest = parseManifest(manifestBytes, `${ref} manifest.json`);
    if (manifest.id !== id || manifest.version !== version) {
      throw new InferenceError(
        'INVALID_MANIFEST',
        `${ref}: manifest says ${manifest.id}@${manifest.version}`,
      );
    }
    const modelBytes = await this.source.read(versionKey(id, version, manifest.file));
    if (!modelBytes)
      throw new InferenceError('INVALID_MANIFEST', `${ref}: model file ${manifest.file} is missing`);
    let dictionary: string[] | undefined;
    if (manifest.postprocess.decoder === 'ctc') {
      const dict = await this.source.read(versionKey(id, version, manifest.postprocess.dictionaryFile));
      if (!dict)
        throw new InferenceError(
          'INVALID_MANIFEST',
          `${ref}: dictionary ${manifest.postprocess.dictionaryFile} is missing`,
        );
      dictionary = Buffer.from(dict).toString('utf8').split(/\r?\n/);
      if (dictionary.at(-1) === '') dictionary.pop();
    }
    const model = await this.onnx.load(modelBytes, ref);
    let loaded: LoadedModel | undefined;
    try {
      const runner = new ModelRunner(model, manifest, this.options.batching, {
        onBatch: (size, waitMs, runMs) => loaded && this.observer.onBatch?.(loaded, size, waitMs, runMs),
      });
      loaded = { ref, manifest, runner, dictionary };
    } catch (error) {
      await model.release();
      throw error;
    }
    this.observer.onLoad?.(loaded, performance.now() - started);
    return loaded;
  }

  private evict(): void {
    while (this.models.size > this.options.maxLoadedModels) {
      const [ref, oldest] = this.models.entries().next().value as [string, Promise<LoadedModel>];
      this.models.delete(ref);
      // Requests may still hold the session: release it once they have had time to finish.
      const timer = setTimeout(() => {
        this.retiring.delete(timer);
        void oldest.then((m) => m.runner.model.release()).catch(() => undefined);
      }, 60_000);
      timer.unref();
      this.retiring.add(timer);
    }
  }
}
