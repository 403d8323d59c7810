import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogger } from './app/logger.js';
import { exitOnSignals } from './app/shutdown.js';
import { startVisage } from './app/startVisage.js';
import { ConfigError, loadConfig, type Config } from './config.js';

/** `npm start`: the configuration from the environment (every problem reported, exit 2), the service, its signals. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
  const visage = await startVisage(config, { logger });
  exitOnSignals(visage.close, logger);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
