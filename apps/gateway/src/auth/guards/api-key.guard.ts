import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiKeyRole } from '@imageflow/persistence';
import type { Response } from 'express';
import { DEFAULT_ROLES, IS_PUBLIC, ROLES } from '../auth.decorators';
import type { AuthenticatedRequest } from '../authenticated-key';
import { ApiKeysService } from '../services/api-keys.service';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** Global guard: every route needs `Authorization: Bearer <key>` of an allowed role unless it is @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const token = header ? BEARER.exec(header)?.[1] : undefined;
    if (!token) {
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="imageflow"');
      throw new UnauthorizedException(
        header
          ? 'malformed Authorization header: expected "Bearer <key>"'
          : 'missing API key: send "Authorization: Bearer <key>"',
      );
    }
    const key = await this.apiKeys.authenticate(token);
    if (!key) {
      http
        .getResponse<Response>()
        .setHeader('WWW-Authenticate', 'Bearer realm="imageflow", error="invalid_token"');
      throw new UnauthorizedException('unknown or revoked API key');
    }
    request.apiKey = key;
    const allowed =
      this.reflector.getAllAndOverride<ApiKeyRole[] | undefined>(ROLES, targets) ?? DEFAULT_ROLES;
    if (!allowed.includes(key.role)) {
      throw new ForbiddenException(
        `a ${key.role} key may not call this endpoint; it needs one of: ${allowed.join(', ')}`,
      );
    }
    return true;
  }
}
