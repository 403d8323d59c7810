import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { FaceIndex } from '../../index/faceIndex.js';
import type { FacePipeline } from '../../models/facePipeline.js';
import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { ApiKeyService } from '../domain/access/apiKeys.js';
import { AuditLog } from '../domain/access/auditLog.js';
import { MasterKeyRotation } from '../domain/access/masterKeyRotation.js';
import { AdaptiveTemplates } from '../domain/faces/adaptiveTemplates.js';
import { BiometricUpgrade } from '../domain/faces/biometricUpgrade.js';
import { ThresholdSettings } from '../domain/recognition/thresholdSettings.js';
import { AppliedThresholdRepository } from '../repositories/appliedThresholdRepository.js';
import { DeploymentCalibration } from '../domain/recognition/deploymentCalibration.js';
import { FaceRecords } from '../domain/faces/faceRecords.js';
import { FaceService } from '../domain/faces/faceService.js';
import { IdentificationService } from '../domain/recognition/identificationService.js';
import { LivenessPolicy } from '../domain/liveness/livenessPolicy.js';
import { LivenessSessions } from '../domain/liveness/livenessSessions.js';
import { PhotoEraser } from '../domain/faces/photoEraser.js';
import { enrollmentPolicy, identificationPolicy } from '../domain/faces/qualityPolicies.js';
import { ReindexService } from '../domain/faces/reindexService.js';
import { CameraService } from '../domain/mall/cameras.js';
import { FaceTracks } from '../domain/mall/faceTracks.js';
import { FrameService } from '../domain/mall/frameService.js';
import { PurchaseService } from '../domain/mall/purchaseService.js';
import { CameraMalls } from '../domain/mall/cameraMalls.js';
import { MallService } from '../domain/mall/malls.js';
import { MallCountsRepository } from '../repositories/mallCountsRepository.js';
import { BrandRepository } from '../repositories/brandRepository.js';
import { FloorPlans } from '../domain/mall/floorPlans.js';
import { MallStats } from '../domain/mall/mallStats.js';
import { StatsRepository } from '../repositories/statsRepository.js';
import { Recognitions } from '../domain/recognition/recognitions.js';
import { Duplicates } from '../domain/recognition/duplicates.js';
import { DuplicateRepository } from '../repositories/duplicateRepository.js';
import { MemberMergeRepository } from '../repositories/memberMergeRepository.js';
import { MallRepository } from '../repositories/mallRepository.js';
import { PartitionRepository } from '../repositories/partitionRepository.js';
import { RecognitionRepository } from '../repositories/recognitionRepository.js';
import { ConsentRepository } from '../repositories/consentRepository.js';
import { SaleRepository } from '../repositories/saleRepository.js';
import { SaleService } from '../domain/mall/sales.js';
import { MemberDataRepository } from '../repositories/memberDataRepository.js';
import { MemberDataExport } from '../domain/members/memberDataExport.js';
import { VisitFeed } from '../domain/mall/visitFeed.js';
import { VisitService } from '../domain/mall/visitService.js';
import { MemberService } from '../domain/members/memberService.js';
import { ProfileService } from '../domain/members/profileService.js';
import { VisitorExpiry } from '../domain/members/visitorExpiry.js';
import type { Clock } from '../domain/shared/clock.js';
import { CameraSupervisor } from '../ingest/cameraSupervisor.js';
import { ApiKeyRepository } from '../repositories/apiKeyRepository.js';
import { CameraRepository } from '../repositories/cameraRepository.js';
import { AuditRepository } from '../repositories/auditRepository.js';
import { FaceTemplateRepository } from '../repositories/faceTemplateRepository.js';
import { LivenessSessionRepository } from '../repositories/livenessSessionRepository.js';
import { MemberActivityRepository } from '../repositories/memberActivityRepository.js';
import { MemberRepository } from '../repositories/memberRepository.js';
import { PendingBlobDeletionRepository } from '../repositories/pendingBlobDeletionRepository.js';
import { PurchaseRepository } from '../repositories/purchaseRepository.js';
import { ReindexRepository } from '../repositories/reindexRepository.js';
import { VisitRepository } from '../repositories/visitRepository.js';
import { OutboxRepository } from '../repositories/outboxRepository.js';
import { Outbox } from '../domain/events/outbox.js';
import type { DeliveryObserver } from '../webhooks/deliveryWorkers.js';
import type { Keys } from './keys.js';
import { wireLoyalty } from './loyaltyWiring.js';
import { wirePartitions } from './partitionsWiring.js';
import { wireWebhooks } from './webhooksWiring.js';
import { UNOBSERVED, type RecognitionObserver } from '../domain/shared/recognitionObserver.js';
import { PointsService } from '../domain/loyalty/points.js';
import { RefundService } from '../domain/loyalty/refunds.js';
import { RedemptionRepository } from '../repositories/redemptionRepository.js';
import { RefundRepository } from '../repositories/refundRepository.js';

/** What the domain is built on: the database, the index, the models, the photo store, the time. */
export interface Foundations {
  config: Config;
  pool: Pool;
  /** For the connections that LISTEN (camera changes). */
  databaseUrl: string;
  index: FaceIndex;
  pipeline: FacePipeline;
  /** The photo store, sealing under members' keys (service/blob/sealedBlobStore.ts). */
  blobs: SealedBlobStore;
  clock: Clock;
  logger: Logger;
  /** Where the delivery workers report each attempt (the metrics). */
  deliveryObserver?: DeliveryObserver;
  /** Where identification and camera frames report each face and visit (the metrics). */
  recognitionObserver?: RecognitionObserver;
  /** Members' data keys (crypto-shredding at purge) and the descriptors sealed under them. */
  keys: Pick<Keys, 'keyring' | 'vault' | 'secrets' | 'probes'>;
  /** Runs work between the index's change-log catch-ups (IndexSync.exclusive); unset: at once (no change log here). */
  indexExclusive?: <T>(work: () => Promise<T>) => Promise<T>;
}

export type Services = ReturnType<typeof wireServices>;

/**
 * Repositories and domain services, each given exactly what it uses. Plain construction, nothing
 * started: the service's composition root and the medium tests (services against a real
 * PostgreSQL, without HTTP) build the same graph here.
 */
export function wireServices({ config, pool, databaseUrl, index, pipeline, blobs, clock, logger, deliveryObserver, recognitionObserver = UNOBSERVED, indexExclusive, keys: { keyring, vault, secrets, probes } }: Foundations) {
  const members = new MemberRepository(pool);
  const templates = new FaceTemplateRepository(pool, vault);
  const pendingDeletions = new PendingBlobDeletionRepository(pool);
  const visitRepository = new VisitRepository(pool);
  const purchaseRepository = new PurchaseRepository(pool);
  const outboxRepository = new OutboxRepository(pool);
  const outbox = new Outbox(outboxRepository, clock);

  const keys = new ApiKeyService(new ApiKeyRepository(pool), clock, logger);
  const audit = new AuditLog(new AuditRepository(pool), logger);
  const photoEraser = new PhotoEraser(blobs, pendingDeletions, logger, config.photoSweep.graceSeconds);
  const profiles = new ProfileService({ members, activity: new MemberActivityRepository(pool), rules: config.loyalty, clock });
  const mallRepository = new MallRepository(pool);
  const duplicateRepository = new DuplicateRepository(pool, vault);
  const activity = new PartitionRepository(pool);
  const { partitions, servedIndex, rule, partitionThresholds, search } = wirePartitions({ config, index, templates, activity, clock, logger, indexExclusive });
  const { targetFpir } = config.recognition;
  const loyalty = wireLoyalty({ config, pool, members, profiles, outbox, mallRepository, partitions, clock, logger });
  const { ledger, campaignEngine, coupons, offers } = loyalty;
  const recognitionRepository = new RecognitionRepository(pool, probes);
  const saleRepository = new SaleRepository();
  const records = new FaceRecords({ members, templates, blobs });
  const consents = new ConsentRepository(pool);
  const recognitions = new Recognitions({
    pool,
    recognitions: recognitionRepository,
    templates,
    activity,
    served: servedIndex,
    rule,
    thresholds: partitionThresholds,
    model: config.faceModel,
    targetFpir,
    ttlSeconds: config.recognition.recognitionTtlSeconds,
    spendRequiresRecognition: config.loyalty.spendRequiresRecognition,
    clock,
    logger,
  });
  const enrollPolicy = enrollmentPolicy(config.faceModel.key, config.minEnrollFacePx);
  const liveness = new LivenessPolicy(config.liveness);

  const faces = new FaceService({
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
    enrollPolicy,
    enrollLiveness: config.liveness.enroll === 'required' ? liveness : undefined,
    served: servedIndex,
    thresholds: partitionThresholds,
    campaigns: campaignEngine,
    logger,
  });
  const livenessSessions = new LivenessSessions({
    sessions: new LivenessSessionRepository(pool, probes),
    pipeline,
    rule,
    liveness,
    sessionSeconds: config.liveness.sessionSeconds,
    clock,
  });
  const adaptation = new AdaptiveTemplates({
    pool,
    pipeline,
    index,
    templates,
    members,
    rule,
    served: servedIndex,
    enrollPolicy,
    policy: config.adaptation,
    audit,
    clock,
    logger,
  });
  const identification = new IdentificationService({
    pipeline,
    index,
    members,
    profiles,
    search,
    rule,
    identifyPolicy: identificationPolicy(config.faceModel.key, config.minIdentifyFacePx),
    liveness,
    livenessSessions,
    recognitions,
    offers,
    adaptation,
    observer: recognitionObserver,
  });
  const mallCounts = new MallCountsRepository(pool);
  const memberService = new MemberService({
    pool,
    index,
    members,
    templates,
    pendingDeletions,
    visits: visitRepository,
    purchases: purchaseRepository,
    profiles,
    photoEraser,
    outbox,
    partitions,
    duplicates: duplicateRepository,
    keys: keyring,
    consents,
    recognitions: recognitionRepository,
    partnerTiers: loyalty.partners,
    sales: saleRepository,
    tiers: config.loyalty.tiers,
    faces,
    visitorTtlDays: config.visitors.ttlDays,
    counts: mallCounts,
    clock,
  });
  const cameraRepository = new CameraRepository(pool);
  const visits = new VisitService({
    pool,
    members,
    visits: visitRepository,
    activity,
    profiles,
    outbox,
    campaigns: campaignEngine,
    dedupSeconds: config.frameDedupSeconds,
    counts: mallCounts,
    cameras: cameraRepository,
    trailRetentionDays: config.trailRetentionDays,
    defaultTimeZone: config.loyalty.timeZone,
    clock,
  });
  const purchases = new PurchaseService({
    pool,
    members,
    purchases: purchaseRepository,
    ledger,
    profiles,
    coupons,
    campaigns: campaignEngine,
    recognitions,
    outbox,
    activity,
    partitions,
    sales: saleRepository,
    rules: config.loyalty,
    clock,
  });
  const mallService = new MallService(mallRepository, new BrandRepository(pool));
  const feed = new VisitFeed();
  const frames = new FrameService({
    identification,
    visits,
    members: memberService,
    tracks: new FaceTracks(rule, clock),
    feed,
    partitions,
    cameraMalls: new CameraMalls(cameraRepository),
    served: servedIndex,
    visitors: config.visitors,
    adaptation,
    observer: recognitionObserver,
    counts: mallCounts,
    clock,
    logger,
  });
  // The cameras this replica pulls (started by the composition root, not here).
  const cameraSupervisor = new CameraSupervisor({
    cameras: cameraRepository,
    holder: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    databaseUrl,
    logger,
    process: (cameraId, jpeg, capturedAt) => frames.processPulledFrame(cameraId, jpeg, capturedAt),
    ffmpegPath: config.ffmpegPath,
    released: (cameraId) => frames.releaseCamera(cameraId),
  });
  const { webhooks, deliveryWorkers } = wireWebhooks({ config, pool, databaseUrl, outbox: outboxRepository, secrets, clock, logger, deliveryObserver });
  const reindex = new ReindexService({ pool, pipeline, index, blobs, members, templates, reindex: new ReindexRepository(pool), enrollPolicy, served: servedIndex, logger });

  return {
    /** The repositories the services share (medium tests look through them). */
    repositories: { members, templates, visits: visitRepository, purchases: purchaseRepository, pendingDeletions, outbox: outboxRepository, ledger },
    keys,
    audit,
    liveness,
    livenessSessions,
    members: memberService,
    faces,
    identification,
    adaptation,
    masterKeyRotation: new MasterKeyRotation(keyring, webhooks),
    biometricUpgrade: new BiometricUpgrade({ pool, templates, photos: blobs, logger }),
    calibration: new DeploymentCalibration({ index, duplicates: duplicateRepository, rule, thresholds: partitionThresholds, targetFpir }),
    thresholdSettings: new ThresholdSettings({
      repository: new AppliedThresholdRepository(pool),
      rule,
      configured: config.thresholds,
      modelVersion: `${config.faceModel.key}@${config.faceModel.version}`,
      groupTemplates: () => servedIndex.groupTemplates(),
      targetFpir,
      logger,
    }),
    records,
    memberData: new MemberDataExport({ members: memberService, consents, templates, data: new MemberDataRepository(pool), records, clock }),
    feed,
    frames,
    cameras: new CameraService({ cameras: cameraRepository, streams: cameraSupervisor, malls: mallRepository }),
    malls: mallService,
    stats: new MallStats({ stats: new StatsRepository(pool), malls: mallService, defaultTimeZone: config.loyalty.timeZone, clock }),
    floorPlans: new FloorPlans({ malls: mallService, plans: mallRepository, maxPixels: config.maxImagePixels }),
    cameraSupervisor,
    purchases,
    points: new PointsService({ pool, members, ledger, redemptions: new RedemptionRepository(), recognitions, outbox, clock, logger }),
    refunds: new RefundService({ pool, members, purchases: purchaseRepository, refunds: new RefundRepository(), ledger, outbox, clock }),
    campaigns: loyalty.campaigns,
    partners: loyalty.partners,
    transfers: loyalty.transfers,
    sales: new SaleService({ pool, sales: saleRepository, members, outbox, rules: config.loyalty, clock }),
    campaignEngine,
    coupons,
    visits,
    reindex,
    webhooks,
    deliveryWorkers,
    photoEraser,
    partitions,
    servedIndex,
    recognitions,
    duplicates: new Duplicates({
      pool,
      duplicates: duplicateRepository,
      merges: new MemberMergeRepository(),
      members,
      memberService,
      index,
      served: servedIndex,
      rule,
      thresholds: partitionThresholds,
      model: config.faceModel,
      logger,
    }),
    visitorExpiry: new VisitorExpiry(members, memberService, clock, logger),
    /** Where the generated admin key is written when none is configured. */
    adminKeyFile: path.join(config.dataDir, 'admin-key'),
  };
}
