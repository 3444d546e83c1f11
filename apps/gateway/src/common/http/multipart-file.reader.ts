// One file part plus text fields from a multipart/form-data body, in memory, within byte limits; every refusal an
// IngestRejection the ingest error mapping turns into 400 / 413. Used by camera ingest (part "file") and manual runs
// (part "image").
import type { Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import { IngestRejection } from '../../images/ingest-rejection';

export interface MultipartFile {
  bytes: Buffer;
  /** Content type the client declared for the file part (without parameters), if any. */
  declaredType: string | undefined;
  fields: Record<string, unknown>;
}

export interface MultipartFileLimits {
  /** The file part's name. */
  field: string;
  /** Largest file (INGEST_MAX_BYTES). */
  maxBytes: number;
  /** Most text fields, and the largest one in bytes. */
  maxFields: number;
  maxFieldBytes: number;
}

export const baseContentType = (value: string | undefined): string =>
  (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

export class MultipartFileReader {
  private readonly multipart: ReturnType<ReturnType<typeof multer>['single']>;

  constructor(private readonly limits: MultipartFileLimits) {
    this.multipart = multer({
      storage: multer.memoryStorage(),
      limits: {
        fileSize: limits.maxBytes,
        files: 1,
        fields: limits.maxFields,
        fieldSize: limits.maxFieldBytes,
        parts: limits.maxFields + 1,
      },
    }).single(limits.field);
  }

  read(req: Request, res: Response): Promise<MultipartFile> {
    const { field, maxBytes } = this.limits;
    return new Promise<MultipartFile>((resolve, reject) => {
      this.multipart(req, res, (error: unknown) => {
        if (error instanceof MulterError) {
          if (error.code === 'LIMIT_FILE_SIZE')
            return reject(
              new IngestRejection(
                'too_large',
                `image is larger than the limit of ${maxBytes} bytes (INGEST_MAX_BYTES)`,
              ),
            );
          if (error.code === 'LIMIT_UNEXPECTED_FILE' || error.code === 'LIMIT_FILE_COUNT')
            return reject(
              new IngestRejection(
                'missing_file',
                `send exactly one file, in a part named "${field}" (got "${error.field ?? '?'}")`,
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
            new IngestRejection('missing_file', `multipart body has no part named "${field}" with the image`),
          );
        const fields =
          typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
        resolve({
          bytes: file.buffer,
          declaredType: baseContentType(file.mimetype) || undefined,
          fields: { ...fields },
        });
      });
    });
  }
}
