import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * Default thresholds on face-api's Euclidean descriptor distance. They are calibrated numbers,
 * not guesses: `npm run calibrate` chose them on LFW View 1 pairsDevTrain with this service's
 * own pipeline (the README has the figures and the method).
 *  - identification (1:N) must be stricter than verification (1:1): in a gallery of N templates
 *    the chance that *some* stranger falls under the threshold grows with N.
 */
export const CALIBRATED_MATCH_THRESHOLD = 0.373;
export const CALIBRATED_VERIFY_THRESHOLD = 0.6;

const numberFromEnv = (schema: z.ZodNumber) =>
  z.preprocess((value) => (value === undefined || value === '' ? undefined : Number(value)), schema);

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
  /** Identification (1:N) cut-off on Euclidean descriptor distance. */
  MATCH_THRESHOLD: numberFromEnv(z.number().gt(0).lt(2)).default(CALIBRATED_MATCH_THRESHOLD),
  /** Verification (1:1) cut-off on Euclidean descriptor distance. */
  VERIFY_THRESHOLD: numberFromEnv(z.number().gt(0).lt(2)).default(CALIBRATED_VERIFY_THRESHOLD),
  /** Largest accepted upload body, in bytes. */
  MAX_UPLOAD_BYTES: numberFromEnv(z.number().int().min(1024)).default(10 * 1024 * 1024),
  /** Largest accepted decoded image, in pixels (decompression-bomb guard). */
  MAX_IMAGE_PIXELS: numberFromEnv(z.number().int().min(10_000)).default(40_000_000),
  /** Images are downscaled so that their longest side is at most this many pixels. */
  MAX_ANALYSIS_SIDE_PX: numberFromEnv(z.number().int().min(256).max(8192)).default(1920),
  /** Smallest face (box width, pixels) accepted for enrollment. */
  MIN_ENROLL_FACE_PX: numberFromEnv(z.number().int().min(16)).default(80),
  /** Smallest face (box width, pixels) that identification will try to match. */
  MIN_IDENTIFY_FACE_PX: numberFromEnv(z.number().int().min(16)).default(40),
  /** Worker threads for face inference; defaults to the number of cores. */
  INFERENCE_THREADS: numberFromEnv(z.number().int().min(1).max(64)).default(os.availableParallelism()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Readonly<{
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  embeddedPgPort: number;
  adminKey: string | undefined;
  matchThreshold: number;
  verifyThreshold: number;
  maxUploadBytes: number;
  maxImagePixels: number;
  maxAnalysisSidePx: number;
  minEnrollFacePx: number;
  minIdentifyFacePx: number;
  inferenceThreads: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
}>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment once into a typed, frozen object; every bad variable is reported at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  if (e.VERIFY_THRESHOLD < e.MATCH_THRESHOLD) {
    throw new ConfigError([
      'VERIFY_THRESHOLD: must not be stricter than MATCH_THRESHOLD (1:N identification needs the stricter cut-off)',
    ]);
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.VISAGE_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    adminKey: e.VISAGE_ADMIN_KEY,
    matchThreshold: e.MATCH_THRESHOLD,
    verifyThreshold: e.VERIFY_THRESHOLD,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxImagePixels: e.MAX_IMAGE_PIXELS,
    maxAnalysisSidePx: e.MAX_ANALYSIS_SIDE_PX,
    minEnrollFacePx: e.MIN_ENROLL_FACE_PX,
    minIdentifyFacePx: e.MIN_IDENTIFY_FACE_PX,
    inferenceThreads: e.INFERENCE_THREADS,
    logLevel: e.LOG_LEVEL,
  });
}
