import { HttpException, HttpStatus } from '@nestjs/common';

/** Why an upload was refused; also the `reason` label of imageflow_ingest_rejected_total. */
export type RejectionReason =
  | 'too_large'
  | 'too_many_pixels'
  | 'corrupt'
  | 'unsupported_format'
  | 'unsupported_media_type'
  | 'type_mismatch'
  | 'invalid_fields'
  | 'missing_file';

const STATUS: Record<RejectionReason, HttpStatus> = {
  too_large: HttpStatus.PAYLOAD_TOO_LARGE,
  too_many_pixels: HttpStatus.PAYLOAD_TOO_LARGE,
  corrupt: HttpStatus.BAD_REQUEST,
  unsupported_format: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  unsupported_media_type: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  type_mismatch: HttpStatus.BAD_REQUEST,
  invalid_fields: HttpStatus.BAD_REQUEST,
  missing_file: HttpStatus.BAD_REQUEST,
};

/** An upload refused at the border, before anything was stored or produced. */
export class IngestRejection extends HttpException {
  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message, STATUS[reason]);
    this.name = 'IngestRejection';
  }
}
