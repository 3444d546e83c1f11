import { SetMetadata } from '@nestjs/common';
import type { ApiKeyRole } from '@imageflow/persistence';

export const IS_PUBLIC = 'imageflow:public';
export const ROLES = 'imageflow:roles';

/** No API key needed (health, readiness, metrics, the OpenAPI document). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Roles allowed on a route. Routes without it allow admin and operator keys; camera keys only where listed. */
export const Roles = (...roles: ApiKeyRole[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);

export const DEFAULT_ROLES: readonly ApiKeyRole[] = ['admin', 'operator'];
