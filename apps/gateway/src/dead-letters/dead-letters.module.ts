import { Module } from '@nestjs/common';
import { DeadLettersController } from './controllers/dead-letters.controller';
import { deadLettersRepositoryProvider } from './repositories/dead-letters.repository';
import { DeadLettersService } from './services/dead-letters.service';

@Module({
  controllers: [DeadLettersController],
  providers: [deadLettersRepositoryProvider, DeadLettersService],
})
export class DeadLettersModule {}
