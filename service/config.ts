import path from 'node:path';
import { z } from 'zod';
import { envSchema } from './configSchema.js';
import type { Lane, LaneLimits } from '../models/laneScheduler.js';
import type { LoyaltyRules, Tier } from './domain/members/loyalty.js';
import type { RetryPolicy } from './webhooks/retrySchedule.js';
import { FACE_MODELS, readCalibratedThresholds, type FaceModelSpec, type Metric, type ModelThresholds } from '../models/faceModels.js';
import { MatchRule, thresholdFromCloseness } from './domain/recognition/matchRule.js';


/** Every environment variable the service reads (the manifests' test checks against this list). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** The service's settings: what `settingsOf` makes of the validated environment (one definition, no hand-written twin). */
export type Config = ReturnType<typeof settingsOf>;

function tierLadder(thresholds: [string, number][], multipliers: [string, number][]): Tier[] | string {
  const multiplierOf = new Map(multipliers);
  const tiers: Tier[] = [];
  for (const [name, minSpend] of thresholds) {
    const pointsMultiplier = multiplierOf.get(name);
    if (pointsMultiplier === undefined) return `TIER_POINTS_MULTIPLIERS: no multiplier for tier "${name}"`;
    if (tiers.length > 0 && minSpend <= tiers.at(-1)!.minSpend) return 'TIER_SPEND_THRESHOLDS: spend must rise from tier to tier';
    tiers.push({ name, minSpend, pointsMultiplier });
  }
  if (tiers[0]!.minSpend !== 0) return 'TIER_SPEND_THRESHOLDS: the first tier must need no spend (name:0)';
  if (multiplierOf.size !== tiers.length) return 'TIER_POINTS_MULTIPLIERS: names a tier that TIER_SPEND_THRESHOLDS lacks';
  return tiers;
}

/** Variables that changed name: a deployment still setting the old one is told, not silently ignored. */
const RENAMED: Readonly<Record<string, string>> = {
  VISITOR_SIGHTING_WINDOW_SECONDS: 'PUSHED_TRACK_TIMEOUT_SECONDS (a pushed camera\'s track ends when its face has not been posted for this long; a track is one sighting)',
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const modelSchema = envSchema.pick({ FACE_MODEL: true, MATCH_THRESHOLD: true, TODAY_MATCH_THRESHOLD: true, MATCH_MARGIN: true, VERIFY_THRESHOLD: true });

/** The looser of two thresholds in a metric's scale. */
const looserOf = (metric: Metric, a: number, b: number): number =>
  thresholdFromCloseness(metric, Math.min(thresholdFromCloseness(metric, a), thresholdFromCloseness(metric, b)));

/** The face model and its thresholds: the calibrated file's, each overridable from the environment. */
function faceModelSettings(e: z.infer<typeof modelSchema>): { faceModel: FaceModelSpec; thresholds: ModelThresholds; problems: string[] } {
  const faceModel = FACE_MODELS[e.FACE_MODEL];
  const calibrated = readCalibratedThresholds(faceModel);
  const match = e.MATCH_THRESHOLD ?? calibrated.match;
  const thresholds: ModelThresholds = {
    match,
    margin: e.MATCH_MARGIN ?? calibrated.margin,
    // A MATCH_THRESHOLD stricter than the calibrated today threshold turns the narrowing off.
    today: e.TODAY_MATCH_THRESHOLD ?? looserOf(faceModel.metric, calibrated.today, match),
    verify: e.VERIFY_THRESHOLD ?? calibrated.verify,
  };
  const problems = MatchRule.problemsWith(faceModel.metric, thresholds).map((p) => `${p} (FACE_MODEL=${faceModel.key})`);
  return { faceModel, thresholds, problems };
}

/** Reads the environment once into a typed, frozen object; every bad variable is reported at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const renamed = Object.entries(RENAMED).filter(([old]) => env[old] !== undefined).map(([old, now]) => `${old}: renamed ${now}`);
  // The model's settings are checked even when another variable is bad: every problem is reported at once.
  const model = modelSchema.safeParse(env);
  const settings = model.success ? faceModelSettings(model.data) : undefined;
  if (!parsed.success || !settings || settings.problems.length > 0 || renamed.length > 0) {
    throw new ConfigError([
      ...renamed,
      ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`)),
      ...(settings?.problems ?? []),
    ]);
  }
  const e = parsed.data;
  const { faceModel, thresholds } = settings;
  if (e.S3_ENDPOINT && (!e.S3_ACCESS_KEY || !e.S3_SECRET_KEY)) {
    throw new ConfigError(['S3_ACCESS_KEY, S3_SECRET_KEY: required with S3_ENDPOINT']);
  }
  const tiers = tierLadder(e.TIER_SPEND_THRESHOLDS, e.TIER_POINTS_MULTIPLIERS);
  if (typeof tiers === 'string') throw new ConfigError([tiers]);
  return settingsOf(e, faceModel, thresholds, tiers);
}

type Env = z.infer<typeof envSchema>;

/** The settings, grouped as the service uses them, from the validated environment. */
function settingsOf(e: Env, faceModel: FaceModelSpec, thresholds: ModelThresholds, tiers: Tier[]) {
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.VISAGE_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    adminKey: e.VISAGE_ADMIN_KEY,
    keys: Object.freeze({
      masterKey: e.VISAGE_MASTER_KEY,
      masterKeyFile: e.MASTER_KEY_FILE ? path.resolve(e.MASTER_KEY_FILE) : undefined,
      previousMasterKeys: Object.freeze(e.VISAGE_PREVIOUS_MASTER_KEYS),
      keystoreUrl: e.KEYSTORE_DATABASE_URL,
    }),
    faceModel,
    thresholds: Object.freeze(thresholds),
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxImagePixels: e.MAX_IMAGE_PIXELS,
    maxAnalysisSidePx: e.MAX_ANALYSIS_SIDE_PX,
    minEnrollFacePx: e.MIN_ENROLL_FACE_PX,
    minIdentifyFacePx: e.MIN_IDENTIFY_FACE_PX,
    inferenceThreads: e.INFERENCE_THREADS,
    onnxIntraOpThreads: e.ONNX_INTRA_OP_THREADS,
    frameDedupSeconds: e.FRAME_DEDUP_SECONDS,
    trailRetentionDays: e.TRAIL_RETENTION_DAYS,
    adaptation: Object.freeze({
      maxTemplates: e.ADAPT_MAX_TEMPLATES,
      minScore: e.ADAPT_MIN_SCORE,
      minMargin: e.ADAPT_MIN_MARGIN,
      fromCameras: e.ADAPT_FROM_CAMERAS,
    }),
    recognition: Object.freeze({
      targetFpir: e.TARGET_FPIR,
      regularDays: e.REGULAR_DAYS,
      groupMaxTemplates: e.GROUP_SEARCH_MAX_TEMPLATES,
      recognitionTtlSeconds: e.RECOGNITION_TTL_SECONDS,
      serveMalls: e.SERVE_MALLS === 'all' ? 'all' : Object.freeze(e.SERVE_MALLS),
      partitionsRefreshSeconds: e.PARTITIONS_REFRESH_SECONDS,
    }),
    photoSweep: Object.freeze({ intervalSeconds: e.PHOTO_SWEEP_SECONDS, graceSeconds: e.PHOTO_SWEEP_GRACE_SECONDS }),
    indexSync: Object.freeze({
      pollMs: e.INDEX_POLL_MILLISECONDS,
      snapshotSeconds: e.INDEX_SNAPSHOT_SECONDS,
      changeLogRetentionDays: e.CHANGE_LOG_RETENTION_DAYS,
    }),
    s3: e.S3_ENDPOINT
      ? Object.freeze({ endpoint: e.S3_ENDPOINT, accessKey: e.S3_ACCESS_KEY!, secretKey: e.S3_SECRET_KEY!, bucket: e.S3_BUCKET, region: e.S3_REGION })
      : undefined,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    requestTimeoutSeconds: e.REQUEST_TIMEOUT_SECONDS,
    storeEnrollmentPhotos: e.STORE_ENROLLMENT_PHOTOS,
    apiContractChecks: e.API_CONTRACT_CHECKS,
    inferenceLanes: Object.freeze({
      pos: { maxQueued: e.INFERENCE_QUEUE_POS },
      enroll: { maxQueued: e.INFERENCE_QUEUE_ENROLL },
      camera: { maxQueued: e.INFERENCE_QUEUE_CAMERA, maxWaitMs: e.CAMERA_FRAME_MAX_WAIT_MS, maxRunning: e.CAMERA_MAX_WORKERS ?? e.INFERENCE_THREADS },
    } satisfies Record<Lane, LaneLimits>),
    liveness: Object.freeze({
      threshold: e.LIVENESS_THRESHOLD,
      defaults: Object.freeze({ pos: e.LIVENESS_DEFAULT_POS, others: e.LIVENESS_DEFAULT }),
      enroll: e.ENROLL_LIVENESS,
      sessionSeconds: e.LIVENESS_SESSION_SECONDS,
    }),
    webhooks: Object.freeze({
      workers: e.WEBHOOK_WORKERS,
      timeoutMs: e.WEBHOOK_TIMEOUT_SECONDS * 1000,
      pollMs: e.WEBHOOK_POLL_MILLISECONDS,
      retry: Object.freeze({ baseSeconds: e.WEBHOOK_RETRY_BASE_SECONDS, maxSeconds: e.WEBHOOK_RETRY_MAX_SECONDS, windowHours: e.WEBHOOK_RETRY_WINDOW_HOURS } satisfies RetryPolicy),
      retentionDays: e.WEBHOOK_RETENTION_DAYS,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    }),
    visitors: Object.freeze({
      policy: e.VISITOR_POLICY,
      minSightings: e.VISITOR_MIN_SIGHTINGS,
      pushedTrackTimeoutSeconds: e.PUSHED_TRACK_TIMEOUT_SECONDS,
      ttlDays: e.VISITOR_TTL_DAYS,
    }),
    loyalty: Object.freeze({
      currency: e.CURRENCY,
      pointsPerCurrencyUnit: e.POINTS_PER_CURRENCY_UNIT,
      tiers,
      dormantAfterDays: e.DORMANT_AFTER_DAYS,
      timeZone: e.MALL_TIMEZONE,
      pointsExpireMonths: e.POINTS_EXPIRE_MONTHS,
      spendRequiresRecognition: e.REDEMPTION_REQUIRES_RECOGNITION,
    } satisfies LoyaltyRules),
    logLevel: e.LOG_LEVEL,
    ffmpegPath: e.FFMPEG_PATH,
    tfBackend: e.VISAGE_TF_BACKEND,
  });
}
