// Which files of a directory are images the gateway accepts, and the content type to send them with.
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export const isImageFile = (path: string): boolean => extname(path).toLowerCase() in CONTENT_TYPES;

/** The file name without its extension: `SN-000123.jpg` → `SN-000123`. */
export const serialFromFilename = (path: string): string => basename(path, extname(path));

/** Image files of `dir` and its subdirectories, sorted by path so runs are repeatable. Hidden files are skipped. */
export async function listImageFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && isImageFile(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
