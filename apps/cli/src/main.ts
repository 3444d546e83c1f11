// Entry point of `imageflow` (node dist/apps/cli/apps/cli/src/main.js …). Errors become one line on stderr:
// exit 1 for failures, 2 for command-line mistakes.
import { ConfigError } from '@imageflow/config';
import { startTracing, TracingConfigError, type Tracing } from '@imageflow/observability';
import { CommanderError } from 'commander';
import { buildProgram, type CliContext } from './cli.program';
import { UsageError } from './config/cli.config';
import { processIo } from './output/io';

async function main(argv: string[]): Promise<number> {
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // First Ctrl-C: finish the request in flight and stop; second: leave at once (the queue is durable anyway).
    if (++signals > 1) process.exit(130);
    processIo.err(`${signal}: stopping…`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ctx: CliContext = {
    io: processIo,
    env: process.env,
    cwd: process.cwd(),
    signal: abort.signal,
    exitCode: 0,
  };
  const program = buildProgram(ctx);
  let tracing: Tracing | undefined;
  try {
    // Off unless OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set; then each request to the gateway is a CLIENT span.
    tracing = startTracing('imageflow-cli');
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander already printed its own message for usage mistakes.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      processIo.err(`imageflow: ${error.message}`);
      return 2;
    }
    if (error instanceof TracingConfigError) {
      processIo.err(`imageflow: ${error.message}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      processIo.err(`imageflow: ${error.problems.join('; ')}`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    processIo.err(`imageflow: ${message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await tracing?.shutdown();
  }
}

void main(process.argv).then((code) => {
  process.exitCode = code;
});
