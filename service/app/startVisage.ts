import path from 'node:path';
import type { Logger } from 'pino';
import type { FaceIndex } from '../../index/faceIndex.js';
import { FacePipeline } from '../../models/facePipeline.js';
import type { BlobStore } from '../blob/blobStore.js';
import { FsBlobStore } from '../blob/fsBlobStore.js';
import { S3BlobStore } from '../blob/s3BlobStore.js';
import { listenForChanges } from '../db/changeListener.js';
import { THRESHOLD_CHANGES_CHANNEL } from '../repositories/appliedThresholdRepository.js';
import type { Config } from '../config.js';
import { systemClock, type Clock } from '../domain/shared/clock.js';
import { createApp } from '../http/app.js';
import { ENDPOINTS } from '../http/endpoints/index.js';
import { openApiDocument } from '../http/openapi.js';
import { listen } from '../http/server.js';
import { Metrics } from '../metrics.js';
import { openDatabase } from './database.js';
import { openKeys } from './keys.js';
import { SealedBlobStore } from '../blob/sealedBlobStore.js';
import { startJobs, type BackgroundJobs } from './jobs.js';
import { createLogger } from './logger.js';
import { readinessCheck } from './readiness.js';
import { startReplicaIndex, type ReplicaIndex } from './replicaIndex.js';
import { shutdownInOrder } from './shutdown.js';
import { packageVersion } from './version.js';
import { wireServices } from './wiring.js';

export interface VisageOptions {
  logger?: Logger;
  /** The time now; tests move it forward to see dormancy and expiry without waiting. */
  clock?: Clock;
}

export interface Visage {
  url: string;
  /** The PostgreSQL it uses (the embedded one's when no DATABASE_URL was given). */
  databaseUrl: string;
  config: Config;
  index: FaceIndex;
  replica: ReplicaIndex;
  pipeline: FacePipeline;
  /** Resolves when the models are warm in every worker (the service then reports ready). */
  modelsReady: Promise<void>;
  maintenance: Pick<BackgroundJobs, 'expireVisitors' | 'erasePendingPhotos' | 'forgetExpiredRecognitions' | 'sweepDuplicates' | 'runLoyaltyDay' | 'forgetOldTrails'>;
  close: () => Promise<void>;
}

function startPipeline(config: Config, logger: Logger, metrics: Metrics): { pipeline: FacePipeline; modelsReady: Promise<void> } {
  const pipeline = new FacePipeline({
    model: config.faceModel,
    threads: config.inferenceThreads,
    intraOpThreads: config.onnxIntraOpThreads,
    decodeLimits: { maxPixels: config.maxImagePixels, maxSidePx: config.maxAnalysisSidePx },
    lanes: config.inferenceLanes,
    observer: metrics.laneObserver,
    tfBackend: config.tfBackend,
  });
  metrics.watchLanes((lane) => pipeline.queued(lane));
  const modelsReady = pipeline.start().then((model) => {
    logger.info({ backend: model.backend, model: model.name, version: model.version, dimension: model.dimension, threads: config.inferenceThreads }, 'face models warm');
  });
  modelsReady.catch((error: unknown) => logger.fatal({ err: error }, 'face models failed to load'));
  return { pipeline, modelsReady };
}

/**
 * The composition root: config → database → index → models → services (wiring.ts) → HTTP →
 * background jobs (jobs.ts), and the shutdown in the reverse order (shutdown.ts). The HTTP server
 * listens before the models are warm so that /healthz answers at once and /readyz says 503 until
 * everything is loaded.
 */
export async function startVisage(config: Config, options: VisageOptions = {}): Promise<Visage> {
  const logger = options.logger ?? createLogger(config);
  const database = await openDatabase(config, logger);
  const { pool } = database;
  const keys = await openKeys(config, database, logger).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const store: BlobStore = config.s3 ? await S3BlobStore.open(config.s3) : new FsBlobStore(path.join(config.dataDir, 'blobs'));
  const blobs = new SealedBlobStore(store, keys.keyring, logger);
  const replica = await startReplicaIndex({ config, databaseUrl: database.url, pool, model: config.faceModel, keys, logger });
  const metrics = new Metrics(() => replica.index.size, () => replica.sync.seq);
  const { pipeline, modelsReady } = startPipeline(config, logger, metrics);

  const services = wireServices({
    config,
    pool,
    databaseUrl: database.url,
    index: replica.index,
    pipeline,
    blobs,
    clock: options.clock ?? systemClock,
    logger,
    deliveryObserver: metrics.deliveryObserver,
    recognitionObserver: metrics.recognitionObserver,
    indexExclusive: (work) => replica.sync.exclusive(work),
    keys,
  });
  metrics.watchOutbox(() => services.repositories.outbox.depth());
  metrics.watchCameras(() => services.cameraSupervisor.statuses());
  await services.keys.seedAdmin(config.adminKey, services.adminKeyFile);
  await services.servedIndex.refresh().catch((error: unknown) => logger.warn({ err: error }, 'mall partitions not loaded'));
  // Thresholds an admin applied after calibrating here: in force before the first request, and
  // again whenever any replica applies or withdraws them (the listener also reads them after each reconnection).
  await services.thresholdSettings.refresh();
  const thresholdListener = listenForChanges(
    database.url,
    THRESHOLD_CHANGES_CHANNEL,
    () => void services.thresholdSettings.refresh().catch((error: unknown) => logger.warn({ err: error }, 'applied thresholds not read')),
    logger,
  );

  const openapi = openApiDocument(ENDPOINTS, packageVersion());
  const app = createApp(
    ENDPOINTS,
    {
      ...services,
      metrics,
      readiness: readinessCheck({ pool, pipeline, sync: replica.sync, indexPollMs: config.indexSync.pollMs }),
      scoring: {
        faceModel: { key: config.faceModel.key, name: config.faceModel.name, version: config.faceModel.version, dimension: config.faceModel.dimension, metric: config.faceModel.metric },
        get thresholds() {
          return services.thresholdSettings.view().inForce;
        },
      },
      openapi: () => openapi,
    },
    { logger, maxUploadBytes: config.maxUploadBytes, rateLimitPerMinute: config.rateLimitPerMinute, contractChecks: config.apiContractChecks },
  );
  const server = await listen(app, config);
  logger.info({ url: server.url, blobStore: blobs.kind, database: database.embedded ? 'embedded' : 'external' }, 'visage listening');

  const jobs = await startJobs({
    ...services,
    probeKeys: keys.keyring,
    probeLifetimeMs: config.recognition.recognitionTtlSeconds * 1000,
    photoSweepSeconds: config.photoSweep.intervalSeconds,
    partitionsRefreshSeconds: config.recognition.partitionsRefreshSeconds,
    logger,
  });
  services.cameraSupervisor.start();
  services.deliveryWorkers.start();
  const close = shutdownInOrder([
    jobs.stop,
    () => services.cameraSupervisor.close(),
    () => services.deliveryWorkers.close(),
    () => thresholdListener.close(),
    server.close,
    () => pipeline.close(),
    () => services.audit.close(),
    replica.close,
    () => keys.close(),
    database.close,
  ]);
  return { url: server.url, databaseUrl: database.url, config, index: replica.index, replica, pipeline, modelsReady, maintenance: jobs, close };
}
