import type { Logger } from 'pino';
import type { LivenessSessions } from '../domain/liveness/livenessSessions.js';
import type { PhotoEraser } from '../domain/faces/photoEraser.js';
import type { ServedIndex } from '../domain/recognition/servedIndex.js';
import type { Recognitions } from '../domain/recognition/recognitions.js';
import type { Duplicates } from '../domain/recognition/duplicates.js';
import type { VisitorExpiry } from '../domain/members/visitorExpiry.js';
import type { WebhookSubscriptions } from '../domain/events/webhookSubscriptions.js';
import { repeatEvery } from './repeatEvery.js';
import type { PointsService } from '../domain/loyalty/points.js';
import type { CampaignEngine } from '../domain/loyalty/campaignEngine.js';
import type { BiometricUpgrade } from '../domain/faces/biometricUpgrade.js';
import type { VisitService } from '../domain/mall/visitService.js';
import type { ThresholdSettings } from '../domain/recognition/thresholdSettings.js';

const VISITOR_EXPIRY_INTERVAL_MS = 15 * 60_000;
const LIVENESS_SWEEP_INTERVAL_MS = 5 * 60_000;
const OUTBOX_COMPACTION_INTERVAL_MS = 60 * 60_000;
const BIOMETRIC_UPGRADE_INTERVAL_MS = 60 * 60_000;
const PROBE_KEY_RETIRE_INTERVAL_MS = 10 * 60_000;
/** Applied thresholds are read again this often, beside the announcement every replica listens for. */
const THRESHOLDS_POLL_INTERVAL_MS = 60_000;
/** Trails older than their retention lose their cameras within this. */
const TRAIL_RETENTION_INTERVAL_MS = 10 * 60_000;

export interface BackgroundJobs {
  /** Runs the periodic maintenance at once (tests; the timers run it in production). */
  expireVisitors: () => Promise<number>;
  erasePendingPhotos: () => Promise<void>;
  forgetExpiredRecognitions: () => Promise<void>;
  sweepDuplicates: () => Promise<number>;
  /** The daily loyalty pass: lots expired, expiries announced, birthdays' campaigns. */
  runLoyaltyDay: () => Promise<{ expired: number; announced: number; birthdays: number }>;
  /** Seals descriptors, photos and webhook secrets an older version stored in the clear. */
  sealPlainBiometrics: () => Promise<{ templates: number; photos: number }>;
  /** Forgets the cameras of visits past TRAIL_RETENTION_DAYS; returns how many. */
  forgetOldTrails: () => Promise<number>;
  stop: () => void;
}

/**
 * The periodic maintenance: photos whose erasure is pending, expired anonymous visitors, the malls'
 * partitions (those seen today, regulars), expired recognitions' descriptors, the outbox's compaction. Each runs once at start, then on its timer; a failure is logged and retried.
 */
/** New templates are compared with the group for suspected double enrollments this often. */
const DUPLICATE_SWEEP_INTERVAL_MS = 60_000;
/**
 * The loyalty pass (expiry, its notices, birthdays) is daily in meaning; it runs hourly so that a
 * restart, a time zone's midnight or a replica's absence delays it by an hour at most. Each step
 * is idempotent (what is left of a lot; a notice per lot; a birthday once a year).
 */
const LOYALTY_INTERVAL_MS = 60 * 60_000;
/** Expired recognitions lose their descriptor within this. */
const RECOGNITION_SWEEP_INTERVAL_MS = 10_000;

export async function startJobs(deps: {
  photoEraser: PhotoEraser;
  livenessSessions: LivenessSessions;
  visitorExpiry: VisitorExpiry;
  servedIndex: ServedIndex;
  recognitions: Recognitions;
  duplicates: Duplicates;
  webhooks: WebhookSubscriptions;
  points: PointsService;
  campaignEngine: CampaignEngine;
  biometricUpgrade: BiometricUpgrade;
  visits: Pick<VisitService, 'forgetOldTrails'>;
  thresholdSettings: Pick<ThresholdSettings, 'refresh'>;
  /** Destroys the probe keys of hours whose probes have all expired. */
  probeKeys: { retireProbeKeys(lifetimeMs: number): Promise<number> };
  /** The longest a probe lives (RECOGNITION_TTL_SECONDS). */
  probeLifetimeMs: number;
  photoSweepSeconds: number;
  partitionsRefreshSeconds: number;
  logger: Logger;
}): Promise<BackgroundJobs> {
  const { photoEraser, visitorExpiry, servedIndex, recognitions, logger } = deps;
  const warn = (what: string) => (error: unknown) => logger.warn({ err: error }, what);
  await photoEraser.sweep().catch(warn('initial photo sweep failed'));
  await visitorExpiry.sweep().catch(warn('initial visitor expiry sweep failed'));
  const loyaltyDay = async () => ({
    expired: await deps.points.expireDue(),
    announced: await deps.points.announceExpiring(),
    birthdays: await deps.campaignEngine.birthdays(),
  });
  // Not awaited: a large ledger's first pass must not hold up readiness.
  void loyaltyDay().catch(warn('initial loyalty pass failed'));
  // Not awaited either: an upgrade's first pass seals every template, while reads open both forms.
  const sealPlain = async () => {
    await deps.webhooks.resealSecrets();
    return deps.biometricUpgrade.run();
  };
  void sealPlain().catch(warn('sealing plain biometric data failed'));
  const stops = [
    repeatEvery(LOYALTY_INTERVAL_MS, loyaltyDay, warn('loyalty pass (expiry, notices, birthdays) failed')),
    repeatEvery(deps.photoSweepSeconds * 1000, () => photoEraser.sweep(), warn('photo sweep failed')),
    repeatEvery(VISITOR_EXPIRY_INTERVAL_MS, () => visitorExpiry.sweep(), warn('visitor expiry sweep failed')),
    // The malls' partitions, and (serving some malls) the members who joined or left them.
    repeatEvery(deps.partitionsRefreshSeconds * 1000, () => servedIndex.refresh(), warn('mall partitions refresh failed')),
    // A recognition's descriptor is kept only while it may be used.
    repeatEvery(RECOGNITION_SWEEP_INTERVAL_MS, () => recognitions.sweep(), warn('recognition sweep failed')),
    repeatEvery(DUPLICATE_SWEEP_INTERVAL_MS, () => deps.duplicates.sweep(), warn('duplicate sweep failed')),
    repeatEvery(LIVENESS_SWEEP_INTERVAL_MS, () => deps.livenessSessions.sweep(), warn('liveness session sweep failed')),
    repeatEvery(OUTBOX_COMPACTION_INTERVAL_MS, () => deps.webhooks.compact(), warn('outbox compaction failed')),
    repeatEvery(PROBE_KEY_RETIRE_INTERVAL_MS, () => deps.probeKeys.retireProbeKeys(deps.probeLifetimeMs), warn('retiring probe keys failed')),
    // After an upgrade (or a restore of an older backup): finds nothing, through a partial index, once sealed.
    repeatEvery(BIOMETRIC_UPGRADE_INTERVAL_MS, sealPlain, warn('sealing plain biometric data failed')),
    repeatEvery(TRAIL_RETENTION_INTERVAL_MS, () => deps.visits.forgetOldTrails(), warn('forgetting old trails failed')),
    repeatEvery(THRESHOLDS_POLL_INTERVAL_MS, () => deps.thresholdSettings.refresh(), warn('applied thresholds not read')),
  ];
  return {
    expireVisitors: () => visitorExpiry.sweep(),
    erasePendingPhotos: () => photoEraser.sweep(),
    forgetExpiredRecognitions: () => recognitions.sweep(),
    sweepDuplicates: () => deps.duplicates.sweep(),
    runLoyaltyDay: loyaltyDay,
    sealPlainBiometrics: sealPlain,
    forgetOldTrails: () => deps.visits.forgetOldTrails(),
    stop: () => stops.forEach((stop) => stop()),
  };
}
