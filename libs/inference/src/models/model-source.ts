import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';

/**
 * Where published models live, read-only. Layout (written by tools/models/publish.mjs):
 *   <id>/LATEST                     {"version": "<version>"}
 *   <id>/<version>/manifest.json
 *   <id>/<version>/<manifest.file>  and any files the manifest names (e.g. a dictionary)
 */
export interface ModelSource {
  /** The object's bytes, or undefined when there is no such object. Throws when the store cannot be reached. */
  read(key: string): Promise<Uint8Array | undefined>;
  readonly description: string;
}

export const latestKey = (id: string): string => `${id}/LATEST`;
export const versionKey = (id: string, version: string, file: string): string => `${id}/${version}/${file}`;

/** The same layout in a local directory (benchmarks and the install cache). */
export class DirectoryModelSource implements ModelSource {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `directory ${root}`;
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    const path = normalize(join(this.root, key));
    if (!path.startsWith(normalize(this.root))) return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
