import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from '@imageflow/observability';
import type { Request, Response } from 'express';

/**
 * Every error leaves as `{ statusCode, error, message }` JSON (`message` is one readable sentence); an exception whose
 * response carries an `issues` array (422 of a pipeline definition) keeps it, so clients can locate each problem.
 */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  issues?: unknown[];
}

function issuesOf(exception: HttpException): unknown[] | undefined {
  const response = exception.getResponse();
  if (typeof response !== 'object' || response === null || !('issues' in response)) return undefined;
  const { issues } = response as { issues: unknown };
  return Array.isArray(issues) ? issues : undefined;
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const { message } = response as { message: unknown };
    if (Array.isArray(message)) return message.map(String).join('; ');
    if (typeof message === 'string') return message;
  }
  return exception.message;
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    let body: ErrorBody;
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const issues = issuesOf(exception);
      body = {
        statusCode,
        error: STATUS_CODES[statusCode] ?? 'Error',
        message: messageOf(exception),
        ...(issues ? { issues } : {}),
      };
      if (statusCode >= 500)
        this.logger.error({ err: exception, method: request.method, url: request.originalUrl }, body.message);
    } else {
      const statusCode = HttpStatus.INTERNAL_SERVER_ERROR;
      body = {
        statusCode,
        error: STATUS_CODES[statusCode] ?? 'Error',
        message: 'internal error; see the gateway log',
      };
      this.logger.error(
        { err: exception, method: request.method, url: request.originalUrl },
        'unhandled error',
      );
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }
}
