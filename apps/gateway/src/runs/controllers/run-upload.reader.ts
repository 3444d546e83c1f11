// Reads the multipart body of POST /api/v1/runs: one file part `image` (within INGEST_MAX_BYTES) and text fields,
// `definition` among them (a draft can be larger than a capture field, hence its own field size limit).
import type { Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import { IngestRejection } from '../../images/ingest-rejection';

export interface RunUpload {
  bytes: Buffer;
  declaredType: string | undefined;
  fields: Record<string, unknown>;
}

/** Largest text field: the JSON of a draft definition (200 nodes, 1000 edges fit comfortably). */
const MAX_FIELD_BYTES = 512 * 1024;

export class RunUploadReader {
  private readonly multipart: ReturnType<ReturnType<typeof multer>['single']>;

  constructor(private readonly maxBytes: number) {
    this.multipart = multer({
      storage: multer.memoryStorage(),
      limits: { fileSize: maxBytes, files: 1, fields: 12, fieldSize: MAX_FIELD_BYTES, parts: 13 },
    }).single('image');
  }

  read(req: Request, res: Response): Promise<RunUpload> {
    return new Promise<RunUpload>((resolve, reject) => {
      this.multipart(req, res, (error: unknown) => {
        if (error instanceof MulterError) {
          if (error.code === 'LIMIT_FILE_SIZE')
            return reject(
              new IngestRejection(
                'too_large',
                `image is larger than the limit of ${this.maxBytes} bytes (INGEST_MAX_BYTES)`,
              ),
            );
          if (error.code === 'LIMIT_UNEXPECTED_FILE' || error.code === 'LIMIT_FILE_COUNT')
            return reject(
              new IngestRejection(
                'missing_file',
                `send exactly one file, in a part named "image" (got "${error.field ?? '?'}")`,
              ),
            );
          return reject(new IngestRejection('invalid_fields', `multipart body refused: ${error.message}`));
        }
        if (error)
          return reject(
            new IngestRejection('invalid_fields', `multipart body could not be read: ${String(error)}`),
          );
        const file = req.file;
        if (!file)
          return reject(
            new IngestRejection('missing_file', 'multipart body has no part named "image" with the image'),
          );
        const fields =
          typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
        const declared = (file.mimetype ?? '').split(';')[0]?.trim().toLowerCase();
        resolve({ bytes: file.buffer, declaredType: declared || undefined, fields: { ...fields } });
      });
    });
  }
}
