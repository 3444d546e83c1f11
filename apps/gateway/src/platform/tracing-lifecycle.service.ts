import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { currentTracing } from '@imageflow/observability';

/**
 * Flushes the spans still queued when the gateway stops: Nest re-raises the signal after its shutdown hooks, so
 * main.ts gets no later chance. Tracing itself is started in main.ts, before Nest.
 */
@Injectable()
export class TracingLifecycle implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await currentTracing()?.shutdown();
  }
}
