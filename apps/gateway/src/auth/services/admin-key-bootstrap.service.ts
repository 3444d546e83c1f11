import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from '@imageflow/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { LOGGER } from '../../platform/platform.tokens';
import { ApiKeysService } from './api-keys.service';

const errorCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;

/**
 * A local run needs a first key to create all others: when ADMIN_KEY_FILE is missing (or holds a key the
 * database no longer knows, e.g. after a reset) an admin key is created and written there, mode 0600.
 * The file is published with link(2), which fails if it already exists, so two gateways starting together
 * end with one file; the loser revokes the key it made.
 */
@Injectable()
export class AdminKeyBootstrap implements OnApplicationBootstrap {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.ADMIN_KEY_BOOTSTRAP) return;
    const file = this.config.ADMIN_KEY_FILE;
    const existing = await this.readKeyFile(file);
    if (existing !== undefined) {
      const key = await this.apiKeys.authenticate(existing);
      if (key?.role === 'admin') {
        this.logger.info({ file, keyId: key.id }, 'admin key file holds an active admin key');
        return;
      }
      this.logger.warn(
        { file },
        'admin key file holds no active admin key (database reset or key revoked); replacing it',
      );
    }
    const created = await this.apiKeys.create('local-admin', 'admin');
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, `${created.plaintext}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600);
    try {
      if (existing !== undefined) {
        await rename(temporary, file);
      } else {
        try {
          await link(temporary, file);
        } catch (error) {
          if (errorCode(error) !== 'EEXIST') throw error;
          await this.apiKeys.revoke(created.id);
          this.logger.info({ file }, 'another gateway wrote the admin key file first; keeping its key');
          return;
        }
      }
      this.logger.info({ file, keyId: created.id }, 'admin key created and written to the admin key file');
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }

  private async readKeyFile(file: string): Promise<string | undefined> {
    try {
      const text = (await readFile(file, 'utf8')).trim();
      return text || '';
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }
}
