// Reads the multipart body of POST /api/v1/runs: one file part `image` (within INGEST_MAX_BYTES) and text fields,
// `definition` among them (a draft can be larger than a capture field, hence its own field size limit).
import { MultipartFileReader, type MultipartFile } from '../../common/http/multipart-file.reader';

export type RunUpload = MultipartFile;

/** Largest text field: the JSON of a draft definition (200 nodes, 1000 edges fit comfortably). */
const MAX_FIELD_BYTES = 512 * 1024;

export class RunUploadReader extends MultipartFileReader {
  constructor(maxBytes: number) {
    super({ field: 'image', maxBytes, maxFields: 12, maxFieldBytes: MAX_FIELD_BYTES });
  }
}
