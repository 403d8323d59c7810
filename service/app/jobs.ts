import type { Logger } from 'pino';
import type { LivenessSessions } from '../domain/faces/livenessSessions.js';
import type { PhotoEraser } from '../domain/faces/photoEraser.js';
import type { ServedIndex } from '../domain/recognition/servedIndex.js';
import type { Recognitions } from '../domain/recognition/recognitions.js';
import type { Duplicates } from '../domain/recognition/duplicates.js';
import type { VisitorExpiry } from '../domain/members/visitorExpiry.js';
import type { WebhookSubscriptions } from '../domain/events/webhookSubscriptions.js';
import { repeatEvery } from './repeatEvery.js';

const VISITOR_EXPIRY_INTERVAL_MS = 15 * 60_000;
const LIVENESS_SWEEP_INTERVAL_MS = 5 * 60_000;
const OUTBOX_COMPACTION_INTERVAL_MS = 60 * 60_000;

export interface BackgroundJobs {
  /** Runs the periodic maintenance at once (tests; the timers run it in production). */
  expireVisitors: () => Promise<number>;
  erasePendingPhotos: () => Promise<void>;
  forgetExpiredRecognitions: () => Promise<void>;
  sweepDuplicates: () => Promise<number>;
  stop: () => void;
}

/**
 * The periodic maintenance: photos whose erasure is pending, expired anonymous visitors, the malls'
 * partitions (today's visitors, regulars), expired recognitions' descriptors, the outbox's compaction. Each runs once at start, then on its timer; a failure is logged and retried.
 */
/** New templates are compared with the group for suspected double enrollments this often. */
const DUPLICATE_SWEEP_INTERVAL_MS = 60_000;
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
  photoSweepSeconds: number;
  partitionsRefreshSeconds: number;
  logger: Logger;
}): Promise<BackgroundJobs> {
  const { photoEraser, visitorExpiry, servedIndex, recognitions, logger } = deps;
  const warn = (what: string) => (error: unknown) => logger.warn({ err: error }, what);
  await photoEraser.sweep().catch(warn('initial photo sweep failed'));
  await visitorExpiry.sweep().catch(warn('initial visitor expiry sweep failed'));
  const stops = [
    repeatEvery(deps.photoSweepSeconds * 1000, () => photoEraser.sweep(), warn('photo sweep failed')),
    repeatEvery(VISITOR_EXPIRY_INTERVAL_MS, () => visitorExpiry.sweep(), warn('visitor expiry sweep failed')),
    // The malls' partitions, and (serving some malls) the members who joined or left them.
    repeatEvery(deps.partitionsRefreshSeconds * 1000, () => servedIndex.refresh(), warn('mall partitions refresh failed')),
    // A recognition's descriptor is kept only while it may be used.
    repeatEvery(RECOGNITION_SWEEP_INTERVAL_MS, () => recognitions.sweep(), warn('recognition sweep failed')),
    repeatEvery(DUPLICATE_SWEEP_INTERVAL_MS, () => deps.duplicates.sweep(), warn('duplicate sweep failed')),
    repeatEvery(LIVENESS_SWEEP_INTERVAL_MS, () => deps.livenessSessions.sweep(), warn('liveness session sweep failed')),
    repeatEvery(OUTBOX_COMPACTION_INTERVAL_MS, () => deps.webhooks.compact(), warn('outbox compaction failed')),
  ];
  return {
    expireVisitors: () => visitorExpiry.sweep(),
    erasePendingPhotos: () => photoEraser.sweep(),
    forgetExpiredRecognitions: () => recognitions.sweep(),
    sweepDuplicates: () => deps.duplicates.sweep(),
    stop: () => stops.forEach((stop) => stop()),
  };
}
