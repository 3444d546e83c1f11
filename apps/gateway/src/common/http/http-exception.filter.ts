import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from '@imageflow/observability';
import type { Request, Response } from 'express';

/** Every error leaves as `{ statusCode, error, message }` JSON (`message` is one readable sentence). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
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
      body = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message: messageOf(exception) };
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
