import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiNoContentResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { z } from '@imageflow/config';
import { apiSchema } from '../../common/openapi/zod-openapi';
import { parseOrBadRequest } from '../../common/validation/zod-validation';
import { apiKeyListSchema, createApiKeySchema, createdApiKeySchema } from '../api-keys.schemas';
import { Roles } from '../auth.decorators';
import { ApiKeysService } from '../services/api-keys.service';

@ApiTags('api-keys')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key (admin). The secret is returned once and stored only as a hash.',
  })
  @ApiBody({ schema: apiSchema('CreateApiKeyRequest', createApiKeySchema, 'input') })
  @ApiResponse({ status: 201, schema: apiSchema('CreatedApiKey', createdApiKeySchema) })
  async create(@Body() body: unknown): Promise<z.infer<typeof createdApiKeySchema>> {
    const { name, role } = parseOrBadRequest(createApiKeySchema, body, 'API key request');
    const { plaintext, ...key } = await this.apiKeys.create(name, role);
    return { ...key, key: plaintext };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (admin); secrets are never returned.' })
  @ApiResponse({ status: 200, schema: apiSchema('ApiKeyList', apiKeyListSchema) })
  async list(): Promise<z.infer<typeof apiKeyListSchema>> {
    return { items: await this.apiKeys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key (admin); it stops working at once.' })
  @ApiNoContentResponse({ description: 'Revoked' })
  async revoke(@Param('id') id: string): Promise<void> {
    await this.apiKeys.revoke(id);
  }
}
