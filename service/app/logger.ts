import { pino, type Logger } from 'pino';
import type { Config } from '../config.js';

/** The service's logger. Redaction is a second line of defence: no code logs keys, photos or descriptors. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: ['authorization', '*.authorization', 'key', '*.key', 'descriptor', '*.descriptor', 'image', '*.image'], censor: '[redacted]' },
  });
}
