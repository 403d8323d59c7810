import { Command, InvalidArgumentError } from 'commander';
import { ApiError, targetFrom } from './apiCaller.js';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { callApi } from './apiCaller.js';
import { exportCommand } from './exportCommand.js';
import { importCommand } from './importCommand.js';
import { reindexCommand } from './reindexCommand.js';
import { rotateMasterCommand } from './rotateMasterCommand.js';

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

program
  .command('import')
  .description('enroll a folder with one sub-folder of photos per member (operator key); resumable')
  .argument('<folder>', 'one sub-folder per member, named after them')
  .requiredOption('--consent-source <text>', 'where the members consented to face recognition (recorded on each)')
  .option('--csv <file>', 'folder,name,phone,<external id kinds…> per member')
  .option('--state <file>', 'progress file (default <folder>/.visage-import.json)')
  .option('--report <file>', 'CSV of rejected photos with their reason', 'visage-import-report.csv')
  .option('--concurrency <n>', 'photos in flight', positiveInt, 2)
  .action(async (folder: string, options: { consentSource: string; csv?: string; state?: string; report: string; concurrency: number }) => {
    await importCommand(targetFrom(program.opts()), folder, options);
  });

program
  .command('export')
  .description('members and their profiles as JSON lines (operator key; descriptors only with --with-descriptors and an admin key)')
  .option('--out <file>', 'write here instead of standard output')
  .option('--with-descriptors', 'include the face descriptors (biometric data; audited)', false)
  .option('--partners', 'the partner programmes (rates, limits, tier maps) instead of the members', false)
  .option('--brands', 'the brands and their groups instead of the members', false)
  .action(async (options: { out?: string; withDescriptors: boolean; partners: boolean; brands: boolean }) => {
    await exportCommand(targetFrom(program.opts()), options);
  });

program
  .command('eval')
  .description('accuracy of the face pipeline on a folder in LFW layout with a pairs file (runs locally; npm run bench:accuracy)')
  .argument('<folder>')
  .argument('<pairs>')
  .allowUnknownOption()
  .action(async (folder: string, pairs: string, _options: unknown, command: Command) => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const script = path.join(root, 'benchmarks/accuracyBench.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, path.resolve(folder), path.resolve(pairs), ...command.args.slice(2)], { stdio: 'inherit', cwd: root });
    process.exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  });

const keys = program.command('keys').description('API keys, and the master key that wraps the data keys (admin key)');
keys
  .command('create')
  .requiredOption('--role <role>', 'camera, pos, operator or admin')
  .requiredOption('--name <name>', 'who or what uses it')
  .option('--expires-at <time>', 'ISO 8601 time after which it stops working')
  .action(async (options: { role: string; name: string; expiresAt?: string }) => {
    const created = await callApi<{ id: string; key: string; role: string }>(targetFrom(program.opts()), 'POST', '/v1/keys', options);
    console.log(`key ${created.id} (${created.role}): ${created.key}`);
    console.log('this is the only time the key is shown');
  });

keys
  .command('rotate-master')
  .description("re-wrap every member's data key under the service's current master key (run with the new key as VISAGE_MASTER_KEY and the old one in VISAGE_PREVIOUS_MASTER_KEYS on every replica); resumable")
  .option('--batch <n>', 'keys re-wrapped per request', positiveInt, 20_000)
  .action(async (options: { batch: number }) => {
    await rotateMasterCommand(targetFrom(program.opts()), options);
  });

program
  .command('audit')
  .description('the audit log (admin key)')
  .command('verify')
  .description('check the audit chain; exits 1 and names the first broken record when one was edited, removed or inserted')
  .action(async () => {
    const report = await callApi<{ checked: number; unchained: number; firstRecordAt: string | null; lastRecordAt: string | null; firstBroken: { id: string; at: string; reason: string } | null }>(
      targetFrom(program.opts()),
      'GET',
      '/v1/audit/verify',
    );
    const span = report.firstRecordAt ? ` (${report.firstRecordAt} … ${report.lastRecordAt})` : '';
    const before = report.unchained > 0 ? `; ${report.unchained} records from before the chain began are not covered` : '';
    if (report.firstBroken) {
      console.log(`audit chain BROKEN at record ${report.firstBroken.id} (${report.firstBroken.at}): ${report.firstBroken.reason}; ${report.checked} records before it hold${before}`);
      process.exitCode = 1;
    } else {
      console.log(`audit chain intact: ${report.checked} records${span}${before}`);
    }
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ApiError) console.error(`error: ${error.status} ${error.code}: ${error.message}`);
  else console.error(`error: ${(error as Error).message}`);
  process.exit(1);
});
