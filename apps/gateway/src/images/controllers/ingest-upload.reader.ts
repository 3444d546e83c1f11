// Reads the upload of POST /api/v1/images: raw image bytes or multipart/form-data, within the byte limit.
import type { Request, Response } from 'express';
import { baseContentType as baseType, MultipartFileReader } from '../../common/http/multipart-file.reader';
import { IngestRejection } from '../ingest-rejection';

export const RAW_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/tiff',
  'application/octet-stream',
] as const;

export interface IngestUpload {
  bytes: Buffer;
  /** Content type the client declared for the bytes (the body's, or the file part's). */
  declaredType: string | undefined;
  /** Text fields of a multipart body (empty for a raw body). */
  fields: Record<string, unknown>;
}

export class IngestUploadReader {
  private readonly multipart: MultipartFileReader;

  constructor(private readonly maxBytes: number) {
    this.multipart = new MultipartFileReader({
      field: 'file',
      maxBytes,
      maxFields: 20,
      maxFieldBytes: 4_096,
    });
  }

  async read(req: Request, res: Response): Promise<IngestUpload> {
    const type = baseType(req.headers['content-type']);
    if (type === 'multipart/form-data') return this.multipart.read(req, res);
    if ((RAW_CONTENT_TYPES as readonly string[]).includes(type))
      return { bytes: await this.readRaw(req), declaredType: type, fields: {} };
    throw new IngestRejection(
      'unsupported_media_type',
      `Content-Type "${type || '(none)'}" is not accepted: send the image bytes as ${RAW_CONTENT_TYPES.join(', ')}, ` +
        'or multipart/form-data with the image in a part named "file"',
    );
  }

  private tooLarge(size?: number): IngestRejection {
    return new IngestRejection(
      'too_large',
      `image is ${size === undefined ? 'larger than' : `${size} bytes, over`} the limit of ${this.maxBytes} bytes (INGEST_MAX_BYTES)`,
    );
  }

  private readRaw(req: Request): Promise<Buffer> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBytes) return Promise.reject(this.tooLarge(declared));
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxBytes) {
          failed = true;
          req.off('data', onData);
          // Keep draining (and dropping) so the client can read the 413 instead of a reset connection.
          req.resume();
          reject(this.tooLarge());
          return;
        }
        chunks.push(chunk);
      };
      req.on('data', onData);
      req.once('end', () => {
        if (!failed) resolve(Buffer.concat(chunks, size));
      });
      req.once('error', (error) => {
        if (!failed) reject(error);
      });
    });
  }
}
