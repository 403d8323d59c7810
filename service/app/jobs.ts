import type { Logger } from 'pino';
import type { LivenessSessions } from '../domain/faces/livenessSessions.js';
import type { PhotoEraser } from '../domain/faces/photoEraser.js';
import { TODAYS_VISITORS_REFRESH_MS, type TodaysVisitors } from '../domain/mall/todaysVisitors.js';
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
  stop: () => void;
}

/**
 * The periodic maintenance: photos whose erasure is pending, expired anonymous visitors, today's
 * visitors gallery, the outbox's compaction. Each runs once at start, then on its timer; a failure is logged and retried.
 */
export async function startJobs(deps: {
  photoEraser: PhotoEraser;
  livenessSessions: LivenessSessions;
  visitorExpiry: VisitorExpiry;
  todaysVisitors: TodaysVisitors;
  webhooks: WebhookSubscriptions;
  photoSweepSeconds: number;
  logger: Logger;
}): Promise<BackgroundJobs> {
  const { photoEraser, visitorExpiry, todaysVisitors, logger } = deps;
  const warn = (what: string) => (error: unknown) => logger.warn({ err: error }, what);
  await photoEraser.sweep().catch(warn('initial photo sweep failed'));
  await visitorExpiry.sweep().catch(warn('initial visitor expiry sweep failed'));
  const stops = [
    repeatEvery(deps.photoSweepSeconds * 1000, () => photoEraser.sweep(), warn('photo sweep failed')),
    repeatEvery(VISITOR_EXPIRY_INTERVAL_MS, () => visitorExpiry.sweep(), warn('visitor expiry sweep failed')),
    repeatEvery(TODAYS_VISITORS_REFRESH_MS, () => todaysVisitors.refresh(), warn("today's visitors refresh failed")),
    repeatEvery(LIVENESS_SWEEP_INTERVAL_MS, () => deps.livenessSessions.sweep(), warn('liveness session sweep failed')),
    repeatEvery(OUTBOX_COMPACTION_INTERVAL_MS, () => deps.webhooks.compact(), warn('outbox compaction failed')),
  ];
  return {
    expireVisitors: () => visitorExpiry.sweep(),
    erasePendingPhotos: () => photoEraser.sweep(),
    stop: () => stops.forEach((stop) => stop()),
  };
}
