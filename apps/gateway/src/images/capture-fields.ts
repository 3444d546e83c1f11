import type { IncomingHttpHeaders } from 'node:http';
import { describeIssues } from '../common/validation/zod-validation';
import { IngestRejection } from './ingest-rejection';
import { CAPTURE_FIELD_SOURCES, captureFieldsSchema, type CaptureFields } from './ingest.schemas';

export interface CaptureFieldInputs {
  /** Text parts of a multipart body. */
  fields: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

/**
 * Collects the capture fields from multipart fields, query parameters and X-… headers, and validates them.
 * A field given in two places with different values is refused rather than silently picking one.
 * Unknown multipart fields or query parameters are refused too, so a typo (`cameraID`) is not lost.
 */
export function parseCaptureFields({ fields, query, headers }: CaptureFieldInputs): CaptureFields {
  const known = new Set(Object.values(CAPTURE_FIELD_SOURCES).map((s) => s.param));
  const unknown = [...Object.keys(fields), ...Object.keys(query)].filter((name) => !known.has(name));
  if (unknown.length) {
    throw new IngestRejection(
      'invalid_fields',
      `unknown field(s) ${[...new Set(unknown)].join(', ')}; accepted: ${[...known].join(', ')}`,
    );
  }
  const merged: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, { param, header }] of Object.entries(CAPTURE_FIELD_SOURCES)) {
    const given = [fields[param], query[param], headers[header]].filter((v) => v !== undefined && v !== '');
    const distinct = [...new Set(given.map((v) => JSON.stringify(v)))];
    if (distinct.length > 1) problems.push(`${name}: given with different values (${distinct.join(' vs ')})`);
    if (given.length) merged[name] = given[0];
  }
  if (problems.length)
    throw new IngestRejection('invalid_fields', `invalid capture fields: ${problems.join('; ')}`);
  const result = captureFieldsSchema.safeParse(merged);
  if (!result.success)
    throw new IngestRejection('invalid_fields', `invalid capture fields: ${describeIssues(result.error)}`);
  return result.data;
}
