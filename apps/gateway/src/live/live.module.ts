import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { LiveSocketServer } from './live-socket.server';
import { LiveHub } from './services/live-hub.service';

/** Live run updates over WebSocket at /api/v1/live (no controller: the upgrade is handled on the HTTP server). */
@Module({ imports: [AuthModule], providers: [LiveHub, LiveSocketServer] })
export class LiveModule {}
