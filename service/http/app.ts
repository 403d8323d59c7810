import { randomUUID } from 'node:crypto';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { ApiKeyService } from '../domain/apiKeys.js';
import type { AuditLog } from '../domain/auditLog.js';
import type { FaceRecords } from '../domain/faceRecords.js';
import type { FaceService } from '../domain/faceService.js';
import type { IdentificationService } from '../domain/identificationService.js';
import type { VisitFeed } from '../domain/visitFeed.js';
import type { FrameService } from '../domain/frameService.js';
import type { MemberService } from '../domain/memberService.js';
import type { PurchaseService } from '../domain/purchaseService.js';
import type { ReindexService } from '../domain/reindexService.js';
import type { VisitService } from '../domain/visitService.js';
import type { Metrics } from '../metrics.js';
import { authenticate } from './auth.js';
import { rateLimitPerKey } from './rateLimit.js';
import { adminRoutes } from './routes/admin.js';
import { errorHandler, notFoundHandler } from './errorHandler.js';
import { openApiDocument } from './openapi.js';
import { cameraRoutes } from './routes/cameras.js';
import { consoleRoutes, sessionRoutes, type ScoringView } from './routes/console.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { memberActivityRoutes } from './routes/memberActivity.js';
import { memberRoutes } from './routes/members.js';
import { recognitionRoutes } from './routes/recognition.js';

export interface AppDeps {
  members: MemberService;
  faces: FaceService;
  identification: IdentificationService;
  records: FaceRecords;
  feed: VisitFeed;
  scoring: ScoringView;
  frames: FrameService;
  purchases: PurchaseService;
  visits: VisitService;
  keys: ApiKeyService;
  reindex: ReindexService;
  audit: AuditLog;
  readiness: ReadinessCheck;
  metrics: Metrics;
  logger: Logger;
  maxUploadBytes: number;
  rateLimitPerMinute: number;
  version: string;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** JSON bodies of the API are small (a member, a descriptor); routes that need more say so. */
const JSON_BODY_LIMIT = '16kb';

export function createApp(deps: AppDeps): express.Express {
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
      logger: deps.logger,
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
    const stop = deps.metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      stop({ route, status: String(res.statusCode) });
    });
    next();
  });

  const openapi = openApiDocument(deps.version);
  app.use(healthRoutes(deps.readiness, deps.metrics, () => openapi));
  app.use(consoleRoutes());

  const v1 = express.Router();
  v1.use(authenticate(deps.keys));
  v1.use(rateLimitPerKey(deps.rateLimitPerMinute));
  // Purchases parse their own (larger) bodies; express.json skips a body already parsed.
  v1.use('/members', memberActivityRoutes(deps.purchases, deps.visits));
  v1.use(express.json({ limit: JSON_BODY_LIMIT }));
  v1.use('/members', memberRoutes(deps.members, deps.faces, deps.records, deps.audit, deps.maxUploadBytes));
  v1.use(sessionRoutes(deps.feed, deps.scoring));
  v1.use('/cameras', cameraRoutes(deps.frames, deps.metrics, deps.maxUploadBytes));
  v1.use(adminRoutes(deps.keys, deps.audit, deps.reindex));
  v1.use(recognitionRoutes(deps.identification, deps.audit, deps.metrics, deps.maxUploadBytes));
  app.use('/v1', v1);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
