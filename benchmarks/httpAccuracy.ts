/**
 * Open-set 1:N accuracy through the HTTP API, as a mall deployment answers it: every gallery photo
 * of LFW View 1 enrolled with POST /v1/members/:id/faces (a refused enrollment makes each of that
 * person's probes a miss), every probe identified by a till's key (POST /v1/identify?maxFaces=1),
 * with the service's whole rule: quality, partitions and their thresholds by size, the margin.
 * The split is openSet.ts's (first photo of every other person with several; one-photo people as
 * distractors; the rest probe).
 *
 *   npm run bench:http-accuracy [-- --dir ../shared/datasets/lfw-view1] [--target-fpir 0.001] [--json]
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startVisage } from '../service/app/startVisage.js';
import { loadConfig } from '../service/config.js';
import { benchCommand } from './benchCommand.js';
import { DEFAULT_LFW_DIR, readPairs } from './lfw.js';
import { openSetSplit } from './openSet.js';

const opts = benchCommand()
  .option('--dir <folder>', 'LFW View 1 folder', DEFAULT_LFW_DIR)
  .option('--target-fpir <x>', 'TARGET_FPIR of the service', '0.001')
  .parse()
  .opts<{ dir: string; targetFpir: string; json?: boolean }>();

const ADMIN = randomBytes(24).toString('base64url');
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-accuracy-'));
await fs.chmod(dataDir, 0o755);
const visage = await startVisage(
  loadConfig({
    ...process.env,
    VISAGE_ADMIN_KEY: ADMIN,
    TARGET_FPIR: opts.targetFpir,
    RATE_LIMIT_PER_MINUTE: '1000000',
    PORT: '0',
    VISAGE_DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT ?? '54341',
    LOG_LEVEL: 'warn',
  }),
  { logger: pino({ level: 'warn' }) },
);
await visage.modelsReady;

interface PartitionView {
  name: string;
  templates: number;
  threshold: number | null;
  expectedFpir: number | null;
}

/** The parts of the answers this benchmark reads. */
interface Answer {
  id?: string;
  key?: string;
  error?: { code: string };
  faces?: { match: { memberId: string; via?: string } | null; unknownReason?: string }[];
  malls?: { partitions: PartitionView[] }[];
}

async function call(method: string, url: string, key: string, body?: Buffer | string, contentType = 'application/json') {
  const res = await fetch(`${visage.url}${url}`, { method, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body), headers: { authorization: `Bearer ${key}`, 'content-type': contentType } });
  return { status: res.status, json: (await res.json()) as Answer };
}

const images = [...new Set(['pairsDevTrain.txt', 'pairsDevTest.txt'].flatMap((f) => readPairs(path.join(opts.dir, f)).flatMap((p) => [p.a, p.b])))].sort();
const s = openSetSplit(images);
const till = (await call('POST', '/v1/keys', ADMIN, JSON.stringify({ role: 'pos', name: 'accuracy till' }))).json.key!;

/** Runs `work` over `items` two at a time (one per worker core). */
async function each<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all([0, 1].map(async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

const refused = new Map<string, number>();
const memberOf = new Map<string, string>(); // person → member id
await each([...s.enrolled, ...s.distractors], async (person) => {
  const created = await call('POST', '/v1/members', ADMIN, JSON.stringify({ name: person, consent: { faceRecognition: true, source: 'bench' } }));
  const photo = await fs.readFile(path.join(opts.dir, s.byPerson.get(person)![0]!));
  const enrolled = await call('POST', `/v1/members/${created.json.id}/faces`, ADMIN, photo, 'image/jpeg');
  const code = enrolled.json.error?.code ?? String(enrolled.status);
  if (enrolled.status === 201) memberOf.set(created.json.id!, person);
  else refused.set(code, (refused.get(code) ?? 0) + 1);
});

const enrolled = new Set(s.enrolled);
const enrolledOk = new Set(memberOf.values());
const outcome = { mated: 0, matedFound: 0, matedMissedRefused: 0, wrongMember: 0, nonMated: 0, falseMatches: 0, reasons: new Map<string, number>() };
const probes = s.several.flatMap((person) => (enrolled.has(person) ? s.byPerson.get(person)!.slice(1) : s.byPerson.get(person)!).map((image) => ({ person, image, mated: enrolled.has(person) })));
await each(probes, async ({ person, image, mated }) => {
  const res = await call('POST', '/v1/identify?maxFaces=1&liveness=off', till, await fs.readFile(path.join(opts.dir, image)), 'image/jpeg');
  const face = res.json.faces?.[0];
  const found = face?.match ? memberOf.get(face.match.memberId) : undefined;
  const reason = res.status !== 200 ? (res.json.error?.code ?? String(res.status)) : !face ? 'NO_FACE' : face.match ? `match${face.match.via ? ` via ${face.match.via}` : ''}` : (face.unknownReason ?? 'unknown');
  outcome.reasons.set(`${mated ? 'mated' : 'non-mated'}: ${reason}`, (outcome.reasons.get(`${mated ? 'mated' : 'non-mated'}: ${reason}`) ?? 0) + 1);
  if (mated) {
    outcome.mated++;
    if (!enrolledOk.has(person)) outcome.matedMissedRefused++;
    else if (found === person) outcome.matedFound++;
    else if (found) outcome.wrongMember++;
  } else {
    outcome.nonMated++;
    if (found) outcome.falseMatches++;
  }
});
const report = (await call('GET', '/v1/admin/recognition', ADMIN)).json;
await visage.close();
await fs.rm(dataDir, { recursive: true, force: true });

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(2)}%`;
const group = report.malls![0]!.partitions.find((p) => p.name === 'group')!;
console.log(`
Open-set 1:N through the HTTP API (LFW View 1; TARGET_FPIR ${opts.targetFpir}; group ${group.templates} templates searched at ${group.threshold ?? '— (second factor)'}, expected FPIR ${group.expectedFpir ?? '—'})
enrollments: ${s.enrolled.length + s.distractors.length} tried, ${memberOf.size} accepted, refused: ${JSON.stringify(Object.fromEntries(refused))}
mated searches ${outcome.mated}: found ${outcome.matedFound}, FNIR ${pct(outcome.mated - outcome.matedFound, outcome.mated)} (of which the person's enrollment was refused: ${outcome.matedMissedRefused}), wrong member ${outcome.wrongMember} (${pct(outcome.wrongMember, outcome.mated)})
non-mated searches ${outcome.nonMated}: matched to someone ${outcome.falseMatches}, FPIR ${pct(outcome.falseMatches, outcome.nonMated)}
answers: ${JSON.stringify(Object.fromEntries([...outcome.reasons].sort()))}`);
if (opts.json) console.log(JSON.stringify({ targetFpir: Number(opts.targetFpir), group, refused: Object.fromEntries(refused), ...outcome, reasons: Object.fromEntries(outcome.reasons) }));
