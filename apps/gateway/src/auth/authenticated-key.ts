import type { ApiKeyRecord } from '@imageflow/persistence';
import type { Request } from 'express';

/** The request after ApiKeyGuard: the key that authenticated it (never the secret). */
export interface AuthenticatedRequest extends Request {
  apiKey?: ApiKeyRecord;
}
