import os from 'node:os';
import { z } from 'zod';
import { FACE_MODEL_KEYS } from '../models/faceModels.js';
import { isTimeZone } from './shared/timeZones.js';
import { MASTER_KEY_PATTERN } from './crypto/masterKeys.js';

/**
 * Every environment variable the service reads, validated (zod): names, types, ranges, defaults.
 * config.ts groups the result into the settings the service uses.
 */
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

const masterKeyPattern = MASTER_KEY_PATTERN;
const masterKeyMessage = 'must be 32 bytes, as 44 base64 characters or 64 hex digits (openssl rand -base64 32)';

const timeZone = z.string().refine(isTimeZone, 'an IANA time zone such as Asia/Shanghai');

export const envSchema = z.object({
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
  /**
   * The master key that wraps every member's data key (README "Privacy"): 32 bytes as base64 or
   * hex. Unset: MASTER_KEY_FILE; unset too and with the embedded PostgreSQL, a key file generated
   * under the data folder (mode 0600).
   */
  VISAGE_MASTER_KEY: z.string().regex(masterKeyPattern, masterKeyMessage).optional(),
  MASTER_KEY_FILE: z.string().min(1).optional(),
  /** Other master keys that still unwrap (comma-separated, same format): the one being rotated out, or the next one before it becomes current. */
  VISAGE_PREVIOUS_MASTER_KEYS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((key) => key.trim()).filter(Boolean))
    .refine((keys) => keys.every((key) => masterKeyPattern.test(key)), masterKeyMessage),
  /**
   * Where the members' data keys live, apart from the data they encrypt (a purge destroys the key,
   * and the database's backups never held it). Unset: a database named after DATABASE_URL's with
   * `_keys` appended, on the same server, created when missing.
   */
  KEYSTORE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /**
   * The face model: YuNet with fr_feature (512-d) and Intel's re-identification network (256-d)
   * fused (the default), YuNet with fr_feature alone, or the project card's face-api.
   */
  FACE_MODEL: z.enum(FACE_MODEL_KEYS).default('yunet-fr512+omz256'),
  /**
   * Thresholds in the running model's scale (cosine similarity for the ONNX models, higher is closer;
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
  /** How often a replica reads the malls' partitions again (those seen today, regulars; serving some malls, who joined them), seconds. */
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
  /** Days a member's trail (which camera saw them when) is kept; 0: none is kept beyond the visit's dedup window. */
  TRAIL_RETENTION_DAYS: numberFromEnv(z.number().min(0).max(3650)).default(30),
  /** off: unknown faces at cameras stay unknown; track: they may become anonymous visitor members. */
  VISITOR_POLICY: z.enum(['off', 'track']).default('off'),
  /** Frames of one face track an unknown person must be seen in before becoming a visitor. */
  VISITOR_MIN_SIGHTINGS: numberFromEnv(z.number().int().min(2).max(50)).default(3),
  /** A pushed camera's face track ends when the face has not been posted for this long (a pulled stream's: 3 s). */
  PUSHED_TRACK_TIMEOUT_SECONDS: numberFromEnv(z.number().int().min(1).max(3600)).default(30),
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
  /** Adaptive templates (learnt from clear till recognitions) kept per member at most; 0 turns adaptation off. */
  ADAPT_MAX_TEMPLATES: numberFromEnv(z.number().int().min(0).max(20)).default(3),
  /** A till recognition teaches only from this score up (cosine similarity; the fused model's MATCH_THRESHOLD is 0.524). */
  ADAPT_MIN_SCORE: numberFromEnv(z.number().min(0).max(1)).default(0.65),
  /** ...and only when it leads the best other member by this much. */
  ADAPT_MIN_MARGIN: numberFromEnv(z.number().min(0).max(1)).default(0.15),
  /** Whether entrance-camera recognitions may teach too (a camera's face is not a till's). */
  ADAPT_FROM_CAMERAS: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
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
  /** Let webhooks go to loopback, private, link-local and reserved addresses (a receiver inside the operator's own network; tests). Off: such URLs are refused (SSRF). */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
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
