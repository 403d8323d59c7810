import { randomUUID } from 'node:crypto';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { ApiServices } from './apiServices.js';
import { consoleFiles } from './consoleFiles.js';
import type { Endpoint } from './endpoint.js';
import { errorHandler, notFoundHandler } from './errorHandler.js';
import { mountEndpoints, type MountOptions } from './mountEndpoints.js';

export interface AppOptions extends MountOptions {
  logger: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The HTTP app: security headers, request ids and logs, latency metrics, the console, the endpoints, the error handler. */
export function createApp(endpoints: readonly Endpoint[], services: ApiServices, options: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    helmet({
      contentSecurityPolicy: {
        // The console shows photos fetched with the key (blob: URLs) and the webcam.
        directives: { 'img-src': ["'self'", 'data:', 'blob:'], 'media-src': ["'self'", 'blob:'] },
      },
    }),
  );
  app.use(
    pinoHttp({
      logger: options.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Never log bodies, keys or photos: only the request line and outcome.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  app.use((req, res, next) => {
    const stop = services.metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => stop({ route: (req.route as { path?: string } | undefined)?.path ?? 'unmatched', status: String(res.statusCode) }));
    next();
  });
  app.use('/console', consoleFiles());
  app.use(mountEndpoints(endpoints, services, options));
  app.use(notFoundHandler);
  app.use(errorHandler(options));
  return app;
}
