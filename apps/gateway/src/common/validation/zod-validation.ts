import { BadRequestException } from '@nestjs/common';
import type { z } from '@imageflow/config';

/** Readable list of zod issues: `cameraId: must be …; capturedAt: …`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; ');
}

/** Parses at the border; bad input becomes 400 with every problem named. */
export function parseOrBadRequest<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new BadRequestException(`invalid ${what}: ${describeIssues(result.error)}`);
  return result.data;
}
