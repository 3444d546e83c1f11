// Reads the multipart body of POST /api/v1/models: a `manifest` (text field or file part) and the model's files.
import { BadRequestException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import { describeIssues } from '../../common/validation/zod-validation';
import { MODEL_FILE_NAME, modelManifestSchema } from '../models.schemas';
import type { ModelUpload } from '../services/models.service';

export interface ModelUploadLimits {
  maxFileBytes: number;
  maxFiles: number;
}

const MAX_MANIFEST_BYTES = 256 * 1024;

export class ModelUploadReader {
  private readonly multipart: ReturnType<ReturnType<typeof multer>['any']>;

  constructor(private readonly limits: ModelUploadLimits) {
    this.multipart = multer({
      storage: multer.memoryStorage(),
      limits: {
        fileSize: limits.maxFileBytes,
        files: limits.maxFiles + 1,
        fields: 4,
        fieldSize: MAX_MANIFEST_BYTES,
        parts: limits.maxFiles + 5,
      },
    }).any();
  }

  async read(req: Request, res: Response): Promise<ModelUpload> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'multipart/form-data') {
      throw new UnsupportedMediaTypeException(
        `Content-Type "${type || '(none)'}" is not accepted: send multipart/form-data with a "manifest" part and the model files`,
      );
    }
    await new Promise<void>((resolve, reject) =>
      this.multipart(req, res, (error: unknown) => (error ? reject(this.refusal(error)) : resolve())),
    );
    const uploaded = (req.files as Express.Multer.File[] | undefined) ?? [];
    const fields = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<
      string,
      unknown
    >;
    const unknownField = Object.keys(fields).find((name) => name !== 'manifest' && name !== 'latest');
    if (unknownField)
      throw new BadRequestException(`unknown field "${unknownField}" (send "manifest", "latest" and files)`);

    const manifestFiles = uploaded.filter((file) => file.fieldname === 'manifest');
    const manifestField = fields['manifest'];
    if (manifestFiles.length + (manifestField === undefined ? 0 : 1) !== 1) {
      throw new BadRequestException(
        'send exactly one "manifest" (a JSON text field or a file part named "manifest")',
      );
    }
    const manifestText =
      typeof manifestField === 'string' ? manifestField : (manifestFiles[0]?.buffer.toString('utf8') ?? '');
    if (Buffer.byteLength(manifestText) > MAX_MANIFEST_BYTES) {
      throw new PayloadTooLargeException(`manifest is over ${MAX_MANIFEST_BYTES} bytes`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(manifestText);
    } catch (error) {
      throw new BadRequestException(`invalid manifest: not JSON (${(error as Error).message})`);
    }
    const parsed = modelManifestSchema.safeParse(raw);
    if (!parsed.success) throw new BadRequestException(`invalid manifest: ${describeIssues(parsed.error)}`);
    const manifest = parsed.data;

    const files = uploaded
      .filter((file) => file.fieldname !== 'manifest')
      .map((file) => ({ name: file.originalname, bytes: file.buffer }));
    const seen = new Set<string>();
    for (const file of files) {
      if (!MODEL_FILE_NAME.test(file.name) || file.name === 'manifest.json' || file.name === 'LATEST') {
        throw new BadRequestException(
          `file name "${file.name}" is not accepted: a plain name of letters, digits, ".", "_" and "-", not manifest.json`,
        );
      }
      if (seen.has(file.name)) throw new BadRequestException(`file "${file.name}" is sent twice`);
      seen.add(file.name);
    }
    const needed = [
      { field: 'file', name: manifest.file },
      ...(manifest.postprocess.dictionaryFile
        ? [{ field: 'postprocess.dictionaryFile', name: manifest.postprocess.dictionaryFile }]
        : []),
    ];
    for (const { field, name } of needed) {
      if (!seen.has(name))
        throw new BadRequestException(
          `invalid manifest: ${field}: "${name}" is not among the uploaded files`,
        );
    }
    const latestField = fields['latest'];
    if (latestField !== undefined && latestField !== 'true' && latestField !== 'false') {
      throw new BadRequestException('latest: must be "true" or "false"');
    }
    return { manifest, files, latest: latestField !== 'false' };
  }

  private refusal(error: unknown): Error {
    if (error instanceof MulterError) {
      if (error.code === 'LIMIT_FILE_SIZE') {
        return new PayloadTooLargeException(
          `file "${error.field ?? '?'}" is over the limit of ${this.limits.maxFileBytes} bytes (MODEL_UPLOAD_MAX_FILE_BYTES)`,
        );
      }
      if (error.code === 'LIMIT_FILE_COUNT' || error.code === 'LIMIT_PART_COUNT') {
        return new PayloadTooLargeException(
          `too many files: at most ${this.limits.maxFiles} besides the manifest (MODEL_UPLOAD_MAX_FILES)`,
        );
      }
      return new BadRequestException(`multipart body refused: ${error.message}`);
    }
    return new BadRequestException(`multipart body could not be read: ${String(error)}`);
  }
}
