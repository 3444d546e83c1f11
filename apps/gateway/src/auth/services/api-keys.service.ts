import { Injectable, NotFoundException } from '@nestjs/common';
import type { ApiKeyRecord, ApiKeyRole, CreatedApiKey } from '@imageflow/persistence';
import { ApiKeysRepository } from '../repositories/api-keys.repository';

@Injectable()
export class ApiKeysService {
  constructor(private readonly repository: ApiKeysRepository) {}

  /** The active key for a presented secret, or undefined. Keys are looked up by their SHA-256 only. */
  authenticate(plaintext: string): Promise<ApiKeyRecord | undefined> {
    return this.repository.findApiKeyByPlaintext(plaintext);
  }

  create(name: string, role: ApiKeyRole): Promise<CreatedApiKey> {
    return this.repository.createApiKey(name, role);
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.repository.listApiKeys();
  }

  async revoke(id: string): Promise<void> {
    if (!(await this.repository.revokeApiKey(id)))
      throw new NotFoundException(`no active API key with id ${id}`);
  }
}
