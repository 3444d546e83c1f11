import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { z } from '@imageflow/config';
import { Roles } from '../../auth/auth.decorators';
import { apiSchema, ApiZodQuery } from '../../common/openapi/zod-openapi';
import { parseOrBadRequest } from '../../common/validation/zod-validation';
import { deadLetterPageSchema, deadLettersQuerySchema, redriveResultSchema } from '../dead-letters.schemas';
import { DeadLettersService } from '../services/dead-letters.service';

@ApiTags('dead-letters')
@ApiBearerAuth()
@Controller('api/v1/dlq')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiOperation({
    summary: 'Dead letters, newest first: messages that failed or did not decode, with the error',
  })
  @ApiZodQuery(deadLettersQuerySchema)
  @ApiResponse({ status: 200, schema: apiSchema('DeadLetterPage', deadLetterPageSchema) })
  async list(@Query() query: Record<string, unknown>): Promise<z.infer<typeof deadLetterPageSchema>> {
    return this.deadLetters.list(parseOrBadRequest(deadLettersQuerySchema, query, 'dead-letter query'));
  }

  @Post(':id/redrive')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Re-drive one dead letter (admin): its original bytes and headers go back to its original topic',
  })
  @ApiParam({ name: 'id', description: 'Dead letter id' })
  @ApiResponse({ status: 200, schema: apiSchema('RedriveResult', redriveResultSchema) })
  @ApiResponse({
    status: 404,
    description: 'Unknown dead letter',
    schema: { $ref: '#/components/schemas/Error' },
  })
  async redrive(@Param('id') id: string): Promise<z.infer<typeof redriveResultSchema>> {
    return this.deadLetters.redrive(id);
  }
}
