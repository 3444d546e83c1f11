import { z } from '@imageflow/config';
import { API_KEY_ROLES } from '@imageflow/persistence';

export const createApiKeySchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters')
      .describe('Who or what uses the key, e.g. "line-3 camera 2"'),
    role: z
      .enum(API_KEY_ROLES)
      .describe('admin: everything, including keys and re-drive; operator: queries; camera: ingest only'),
  })
  .strict();

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(API_KEY_ROLES),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
  lastUsedAt: z.iso.datetime().nullable(),
});

export const createdApiKeySchema = apiKeySchema.extend({
  key: z
    .string()
    .describe('The secret, shown only in this response; send it as "Authorization: Bearer <key>"'),
});

export const apiKeyListSchema = z.object({ items: z.array(apiKeySchema) });
