import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { isTimeZone } from './shared/timeZones.js';
import type { Lane, LaneLimits } from '../models/laneScheduler.js';
import type { LoyaltyRules, Tier } from './domain/members/loyalty.js';
import type { RetryPolicy } from './webhooks/retrySchedule.js';
import { FACE_MODEL_KEYS, FACE_MODELS, readCalibratedThresholds, type FaceModelSpec, type Metric, type ModelThresholds } from '../models/faceModels.js';
import { MatchRule, thresholdFromCloseness } from './domain/faces/matchRule.js';

const numberFromEnv = (schema: z.ZodNumber) =>
  z.preprocess((value) => (value === undefined || value === '' ? undefined : Number(value)), schema);

/** "name:number,name:number" → ordered pairs (tier ladders in the environment). */
const namedNumbers = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .transform((value, ctx) => {
      const pairs: [string, number][] = [];
      for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
        const match = /^([a-z][a-z0-9_-]{0,31}):([0-9]+(?:\.[0-9]+)?)$/.exec(part);
        if (!match) {
          ctx.addIssue({ code: 'custom', message: `"${part}" is not name:number` });
          return z.NEVER;
        }
        pairs.push([match[1]!, Number(match[2])]);
      }
      if (pairs.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one name:number' });
      return pairs;
    });

const timeZone = z.string().refine(isTimeZone, 'an IANA time zone such as Asia/Shanghai');

const envSchema = z.object({
  PORT: numberFromEnv(z.number().int().min(0).max(65535)).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  VISAGE_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Port of the embedded PostgreSQL, used only when DATABASE_URL is not set. */
  EMBEDDED_PG_PORT: numberFromEnv(z.number().int().min(1).max(65535)).default(54329),
  VISAGE_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The face model: YuNet + a 512-d embedder on ONNX Runtime, or the project card's face-api. */
  FACE_MODEL: z.enum(FACE_MODEL_KEYS).default('yunet-fr512'),
  /**
   * Thresholds in the running model's scale (cosine similarity for yunet-fr512, higher is closer;
   * Euclidean distance for faceapi, lower is closer). Unset: the model's calibrated file
   * (models/thresholds/<model>.json).
   */
  MATCH_THRESHOLD: numberFromEnv(z.number()).optional(),
  /** 1:N threshold for members seen at an entrance camera today (set it to MATCH_THRESHOLD to turn the narrowing off). */
  TODAY_MATCH_THRESHOLD: numberFromEnv(z.number()).optional(),
  /**
   * The expected share of strangers a search may match to someone (README, "Identification at a
   * mall group's size"): each partition's threshold is set from its size and the model's measured
   * false-match curve to hold it.
   */
  TARGET_FPIR: numberFromEnv(z.number().gt(0).max(0.1)).default(0.001),
  /** Members active at a mall within this many days (or whose home it is) are its regulars, searched before the group. */
  REGULAR_DAYS: numberFromEnv(z.number().min(1).max(3650)).default(180),
  /** The largest group (templates) searched without a second factor; unset: what TARGET_FPIR allows; 0: never. */
  GROUP_SEARCH_MAX_TEMPLATES: numberFromEnv(z.number().int().min(0)).optional(),
  /**
   * The malls this replica serves: "all", or mall ids separated by commas. A replica serving some
   * malls holds in memory only the templates of those malls' regulars; the group-wide search and
   * the second factor read PostgreSQL.
   */
  SERVE_MALLS: z
    .string()
    .default('all')
    .transform((value, ctx) => {
      if (value.trim() === 'all') return 'all' as const;
      const ids = value.split(',').map((id) => id.trim()).filter(Boolean);
      const bad = ids.filter((id) => !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(id));
      if (ids.length === 0 || bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `"all" or mall ids separated by commas${bad.length > 0 ? ` (not a mall id: ${bad.join(', ')})` : ''}` });
        return z.NEVER;
      }
      return [...new Set(ids)];
    }),
  /** How often a replica reads the malls' partitions again (today's visitors, regulars; serving some malls, who joined them), seconds. */
  PARTITIONS_REFRESH_SECONDS: numberFromEnv(z.number().min(0.1).max(3600)).default(30),
  /** How long a till's recognitionId may be used (a second factor, a redemption), seconds. */
  RECOGNITION_TTL_SECONDS: numberFromEnv(z.number().int().min(10).max(3600)).default(120),
  /** 1:N margin to the best different member, in the model's scale (0 turns it off). */
  MATCH_MARGIN: numberFromEnv(z.number()).optional(),
  VERIFY_THRESHOLD: numberFromEnv(z.number()).optional(),
  /** Largest accepted upload body, in bytes. */
  MAX_UPLOAD_BYTES: numberFromEnv(z.number().int().min(1024)).default(10 * 1024 * 1024),
  /** Largest accepted decoded image, in pixels (decompression-bomb guard). */
  MAX_IMAGE_PIXELS: numberFromEnv(z.number().int().min(10_000)).default(40_000_000),
  /** Images are downscaled so that their longest side is at most this many pixels. */
  MAX_ANALYSIS_SIDE_PX: numberFromEnv(z.number().int().min(256).max(8192)).default(1920),
  /** Smallest face (detector box width, photo pixels) accepted for enrollment (LFW's 1st percentile: 77). */
  MIN_ENROLL_FACE_PX: numberFromEnv(z.number().int().min(16)).default(64),
  /** Smallest face (detector box width, photo pixels) that identification will try to match. */
  MIN_IDENTIFY_FACE_PX: numberFromEnv(z.number().int().min(16)).default(32),
  /** Worker threads for face inference; defaults to the number of cores. */
  INFERENCE_THREADS: numberFromEnv(z.number().int().min(1).max(64)).default(os.availableParallelism()),
  /** ONNX Runtime threads inside each worker (1: one worker per core was faster, README "Face model"). */
  ONNX_INTRA_OP_THREADS: numberFromEnv(z.number().int().min(1).max(64)).default(1),
  /** Sightings of one member at one camera closer together than this are one visit. */
  FRAME_DEDUP_SECONDS: numberFromEnv(z.number().int().min(0).max(86_400)).default(300),
  /** off: unknown faces at cameras stay unknown; track: they may become anonymous visitor members. */
  VISITOR_POLICY: z.enum(['off', 'track']).default('off'),
  /** Frames an unknown person must be seen in (within the sighting window) before becoming a visitor. */
  VISITOR_MIN_SIGHTINGS: numberFromEnv(z.number().int().min(2).max(50)).default(3),
  VISITOR_SIGHTING_WINDOW_SECONDS: numberFromEnv(z.number().int().min(5).max(3600)).default(120),
  /** Visitors not converted to members within this many days are purged. */
  VISITOR_TTL_DAYS: numberFromEnv(z.number().min(0.001).max(3650)).default(30),
  /** The currency purchases are accepted in (ISO 4217). */
  CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as CNY').default('CNY'),
  POINTS_PER_CURRENCY_UNIT: numberFromEnv(z.number().min(0).max(1000)).default(1),
  /** Tier ladder: spend over the last 365 days (currency units) needed for each tier, lowest first. */
  TIER_SPEND_THRESHOLDS: namedNumbers('standard:0,silver:2000,gold:10000,platinum:50000'),
  /** Points multiplier of each tier. */
  TIER_POINTS_MULTIPLIERS: namedNumbers('standard:1,silver:1.2,gold:1.5,platinum:2'),
  /** Points of a lot expire this many months after they were earned; 0: never. */
  POINTS_EXPIRE_MONTHS: numberFromEnv(z.number().int().min(0).max(120)).default(24),
  /** A pos key spends points and coupons only with a live recognition of the member's face at that till. */
  REDEMPTION_REQUIRES_RECOGNITION: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  /** Days without a visit or purchase after which a member's segment is `dormant`. */
  DORMANT_AFTER_DAYS: numberFromEnv(z.number().int().min(1).max(3650)).default(60),
  /** The mall's time zone: visit rhythms (hour of day, weekday) are read in local time. */
  MALL_TIMEZONE: timeZone.default('UTC'),
  /** Requests one API key may make per minute (per replica). */
  RATE_LIMIT_PER_MINUTE: numberFromEnv(z.number().int().min(1).max(1_000_000)).default(1200),
  /** A request (headers and body) must arrive within this many seconds: slow uploads are cut off. */
  REQUEST_TIMEOUT_SECONDS: numberFromEnv(z.number().int().min(1).max(600)).default(30),
  /** Keep enrollment photos (needed to re-index after a model change); off keeps descriptors only. */
  STORE_ENROLLMENT_PHOTOS: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  /**
   * The inference queue's lanes (README, "Load shedding"): tasks that may wait for a worker in each
   * lane before the next is answered 503 OVERLOADED — the till's identify/verify, enrollment, camera
   * frames — and how long a camera frame may wait before it is dropped (a newer one is coming).
   */
  INFERENCE_QUEUE_POS: numberFromEnv(z.number().int().min(1).max(10_000)).default(32),
  INFERENCE_QUEUE_ENROLL: numberFromEnv(z.number().int().min(1).max(10_000)).default(16),
  INFERENCE_QUEUE_CAMERA: numberFromEnv(z.number().int().min(1).max(10_000)).default(4),
  CAMERA_FRAME_MAX_WAIT_MS: numberFromEnv(z.number().int().min(10).max(60_000)).default(1000),
  /** Workers camera frames may occupy at once (default: all); fewer keeps workers free for the till, at the cost of cameras (README, "Load shedding"). */
  CAMERA_MAX_WORKERS: numberFromEnv(z.number().int().min(1).max(64)).optional(),
  /** Passive liveness: a face scoring below this is refused where liveness is required (README, "Liveness at the till"). */
  LIVENESS_THRESHOLD: numberFromEnv(z.number().min(0).max(1)).default(0.4),
  /** Whether identify and verify require a live face when the request does not say: for `pos` keys, and for every other role. */
  LIVENESS_DEFAULT_POS: z.enum(['required', 'off']).default('required'),
  LIVENESS_DEFAULT: z.enum(['required', 'off']).default('off'),
  /** Enrollment requires a live face too (a kiosk where members enroll themselves). */
  ENROLL_LIVENESS: z.enum(['required', 'off']).default('off'),
  /** How long an active liveness challenge session may be used, seconds (its frames must span at most 10 s of it). */
  LIVENESS_SESSION_SECONDS: numberFromEnv(z.number().int().min(10).max(600)).default(60),
  /** Webhooks (README, "Events for mall systems"): deliveries sent at once per replica, each one's timeout, the idle poll for due retries. */
  WEBHOOK_WORKERS: numberFromEnv(z.number().int().min(1).max(64)).default(4),
  WEBHOOK_TIMEOUT_SECONDS: numberFromEnv(z.number().min(0.1).max(60)).default(10),
  WEBHOOK_POLL_MILLISECONDS: numberFromEnv(z.number().int().min(50).max(60_000)).default(1000),
  /** Retries: the first wait (doubling with each failure, with jitter), the longest wait, and how long to keep trying before a delivery is failed. */
  WEBHOOK_RETRY_BASE_SECONDS: numberFromEnv(z.number().min(0.01).max(3600)).default(5),
  WEBHOOK_RETRY_MAX_SECONDS: numberFromEnv(z.number().min(0.01).max(86_400)).default(3600),
  WEBHOOK_RETRY_WINDOW_HOURS: numberFromEnv(z.number().min(0.0001).max(720)).default(24),
  /** Delivered and failed deliveries are listed this long, then compacted with their events. */
  WEBHOOK_RETENTION_DAYS: numberFromEnv(z.number().min(0).max(3650)).default(7),
  /** Check every answer (status, body, error code) against its endpoint's declaration; the test suite turns it on. */
  API_CONTRACT_CHECKS: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  /** S3/MinIO for enrollment photos; unset: the filesystem under VISAGE_DATA_DIR. */
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_ACCESS_KEY: z.string().min(1).optional(),
  S3_SECRET_KEY: z.string().min(1).optional(),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').default('visage-photos'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** How often a replica checks the change log without a notification (the fallback), ms. */
  INDEX_POLL_MILLISECONDS: numberFromEnv(z.number().int().min(50).max(60_000)).default(1000),
  /** How often a replica saves its index snapshot (when it changed), seconds. */
  INDEX_SNAPSHOT_SECONDS: numberFromEnv(z.number().int().min(5).max(86_400)).default(300),
  /** Change-log entries older than this are compacted (a snapshot older than that is rebuilt). */
  CHANGE_LOG_RETENTION_DAYS: numberFromEnv(z.number().min(0.01).max(3650)).default(7),
  /** How often owed photo erasures are retried, and how old an entry must be first, seconds. */
  PHOTO_SWEEP_SECONDS: numberFromEnv(z.number().int().min(1).max(86_400)).default(60),
  PHOTO_SWEEP_GRACE_SECONDS: numberFromEnv(z.number().int().min(0).max(86_400)).default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The ffmpeg that pulls camera streams (Debian's by default, on the PATH). */
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  /** face-api's TensorFlow.js backend: `auto` (tfjs-node where installed, else WASM) or `wasm`. */
  VISAGE_TF_BACKEND: z.enum(['auto', 'wasm']).default('auto'),
});

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
  // The model's settings are checked even when another variable is bad: every problem is reported at once.
  const model = modelSchema.safeParse(env);
  const settings = model.success ? faceModelSettings(model.data) : undefined;
  if (!parsed.success || !settings || settings.problems.length > 0) {
    throw new ConfigError([
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
    }),
    visitors: Object.freeze({
      policy: e.VISITOR_POLICY,
      minSightings: e.VISITOR_MIN_SIGHTINGS,
      sightingWindowSeconds: e.VISITOR_SIGHTING_WINDOW_SECONDS,
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
