import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { apiSchema } from '../../common/openapi/zod-openapi';
import { partsCatalogSchema, type PartsCatalog } from '../parts.schemas';
import { PartsCatalogService } from '../services/parts-catalog.service';

@ApiTags('parts')
@ApiBearerAuth()
@Controller('api/v1/parts')
export class PartsController {
  constructor(private readonly parts: PartsCatalogService) {}

  @Get()
  @ApiOperation({
    summary: "The parts catalog, from every compute service's Describe (cached for PARTS_CACHE_TTL_MS)",
    description:
      'A flat list of parts (sorted by category pre, ai, post, then id) and one `sources` entry per compute service. ' +
      'A service that is down is reported there with its error; the parts of the others are still served (200).',
  })
  @ApiResponse({ status: 200, schema: apiSchema('PartsCatalog', partsCatalogSchema) })
  async list(): Promise<PartsCatalog> {
    return this.parts.catalog();
  }
}
