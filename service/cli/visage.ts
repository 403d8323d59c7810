import { Command, InvalidArgumentError } from 'commander';
import { ApiError, targetFrom } from './apiCaller.js';
import { reindexCommand } from './reindexCommand.js';

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive whole number');
  return n;
};

const program = new Command()
  .name('visage')
  .description('Operate a Visage deployment over its HTTP API')
  .option('--url <url>', 'the service (default: VISAGE_URL or http://127.0.0.1:8080)')
  .option('--key <key>', 'an API key (default: VISAGE_KEY)');

program
  .command('reindex')
  .description('recompute templates of an older descriptor model from their stored photos (admin key)')
  .option('--batch <n>', 'templates per request', positiveInt, 200)
  .option('--prune', 'afterwards, delete the old-model templates that have a successor (once every replica runs the new model)', false)
  .action(async (options: { batch: number; prune: boolean }) => {
    await reindexCommand(targetFrom(program.opts()), options);
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ApiError) console.error(`error: ${error.status} ${error.code}: ${error.message}`);
  else console.error(`error: ${(error as Error).message}`);
  process.exit(1);
});
