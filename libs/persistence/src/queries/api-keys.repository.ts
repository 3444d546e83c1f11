import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../db/pool.adapter';
import { iso } from './cursor';

export const API_KEY_ROLES = ['admin', 'operator', 'camera'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: ApiKeyRole;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedApiKey extends ApiKeyRecord {
  /** The key itself; shown once, only its hash is stored. */
  plaintext: string;
}

const KEY_PREFIX = 'ifk_';

/**
 * Keys are 32 random bytes, so a plain SHA-256 is enough (no dictionary to attack, unlike passwords) and it is
 * deterministic, which lets the gateway look a key up by its hash in one indexed query.
 */
export const hashApiKey = (plaintext: string): string =>
  createHash('sha256').update(plaintext, 'utf8').digest('hex');

export const generateApiKey = (): string => `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;

interface ApiKeyRow {
  id: string;
  name: string;
  role: ApiKeyRole;
  key_hash: string;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const toApiKey = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  name: row.name,
  role: row.role,
  createdAt: iso(row.created_at) as string,
  revokedAt: iso(row.revoked_at),
  lastUsedAt: iso(row.last_used_at),
});

export class ApiKeysRepository {
  constructor(private readonly db: Queryable) {}

  async createApiKey(name: string, role: ApiKeyRole): Promise<CreatedApiKey> {
    if (!API_KEY_ROLES.includes(role))
      throw new Error(`unknown API key role "${role}"; use ${API_KEY_ROLES.join(', ')}`);
    if (!name.trim()) throw new Error('API key name must not be empty');
    const plaintext = generateApiKey();
    const { rows } = await this.db.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, name, role, key_hash) VALUES ($1, $2, $3, $4) RETURNING *`,
      [randomUUID(), name.trim(), role, hashApiKey(plaintext)],
    );
    return { ...toApiKey(rows[0] as ApiKeyRow), plaintext };
  }

  /**
   * The active key with this plaintext, or undefined (unknown or revoked). Records the use, at most once a minute
   * per key: cameras authenticate every frame, and a row update per request would be write load for nothing.
   */
  async findApiKeyByPlaintext(plaintext: string): Promise<ApiKeyRecord | undefined> {
    if (!plaintext.startsWith(KEY_PREFIX)) return undefined;
    const { rows } = await this.db.query<ApiKeyRow>(
      `WITH found AS (SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL),
            touched AS (
              UPDATE api_keys SET last_used_at = now() FROM found
              WHERE api_keys.id = found.id AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 minute')
              RETURNING api_keys.*)
       SELECT * FROM touched UNION ALL SELECT * FROM found WHERE NOT EXISTS (SELECT 1 FROM touched)`,
      [hashApiKey(plaintext)],
    );
    return rows[0] && toApiKey(rows[0]);
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.db.query<ApiKeyRow>(`SELECT * FROM api_keys ORDER BY created_at, id`);
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [id],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
