/**
 * Open-set 1:N accuracy through the HTTP API, as a mall deployment answers it: every gallery photo
 * of LFW View 1 enrolled with POST /v1/members/:id/faces (a refused enrollment makes each of that
 * person's probes a miss), every probe identified by a till's key (POST /v1/identify; the answer
 * for LFW's labelled person, the face nearest the photo's centre),
 * with the service's whole rule: quality, partitions and their thresholds by size, the margin.
 * The split is openSet.ts's (first photo of every other person with several; one-photo people as
 * distractors; the rest probe).
 *
 * With `--apply-calibration`, the deployment's own calibration runs between enrollment and the
 * probes (POST /v1/admin/calibration on the enrolled members' pairs, no labels) and its suggested
 * MATCH_THRESHOLD is applied (POST /v1/admin/thresholds), as an operator would after enrolling.
 *
 *   npm run bench:http-accuracy [-- --dir ../shared/datasets/lfw-view1] [--target-fpir 0.001] [--apply-calibration] [--half 0|1] [--json]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { benchCommand } from './benchCommand.js';
import { each, labelledFace, startBenchService } from './benchService.js';
import { Option } from 'commander';
import { DEFAULT_LFW_DIR, view1Images } from './lfw.js';
import { openSetSplit } from './openSet.js';

const opts = benchCommand()
  .option('--dir <folder>', 'LFW View 1 folder', DEFAULT_LFW_DIR)
  .option('--target-fpir <x>', 'TARGET_FPIR of the service', '0.001')
  .addOption(new Option('--half <0|1>', 'which alternate people with several photos are enrolled (openSet.ts openSetSplit)').choices(['0', '1']).default('0'))
  .option('--apply-calibration', "after enrolling, apply the MATCH_THRESHOLD the deployment's own calibration suggests")
  .parse()
  .opts<{ dir: string; targetFpir: string; half: string; applyCalibration?: boolean; json?: boolean }>();

// The gallery as enrolled: the till's probes do not teach adaptive templates here (bench:adaptation measures that).
const service = await startBenchService({ TARGET_FPIR: opts.targetFpir, ADAPT_MAX_TEMPLATES: process.env.ADAPT_MAX_TEMPLATES ?? '0' });
const { call, admin: ADMIN } = service;

const images = view1Images(opts.dir);
const s = openSetSplit(images, opts.half === '1' ? 1 : 0);
const till = await service.keyOf('pos', 'accuracy till');

const refused = new Map<string, number>();
/** Refused enrollments of people whose other photos probe: each of those probes is a miss. */
const refusedMated: string[] = [];
const probing = new Set(s.enrolled);
const memberOf = new Map<string, string>(); // person → member id
await each([...s.enrolled, ...s.distractors], async (person) => {
  const created = await call('POST', '/v1/members', ADMIN, JSON.stringify({ name: person, consent: { faceRecognition: true, source: 'bench' } }));
  const photo = await fs.readFile(path.join(opts.dir, s.byPerson.get(person)![0]!));
  const enrolled = await call('POST', `/v1/members/${created.json.id}/faces`, ADMIN, photo, 'image/jpeg');
  const code = enrolled.json.error?.code ?? String(enrolled.status);
  if (enrolled.status === 201) memberOf.set(created.json.id!, person);
  else {
    refused.set(code, (refused.get(code) ?? 0) + 1);
    if (probing.has(person)) refusedMated.push(`${s.byPerson.get(person)![0]} (${s.byPerson.get(person)!.length - 1} probes): ${code}: ${enrolled.json.error?.message ?? ''}`);
  }
});

let calibration = '';
if (opts.applyCalibration) {
  const report = (await call('POST', '/v1/admin/calibration', ADMIN)).json as unknown as { pairs: number; suggestedMatchThreshold: number | null; thresholds: { name: string; threshold: number }[] };
  const suggested = report.suggestedMatchThreshold;
  if (suggested !== null) {
    const applied = await call('POST', '/v1/admin/thresholds', ADMIN, JSON.stringify({ matchThreshold: suggested }));
    if (applied.status !== 200) throw new Error(`applying ${suggested}: ${applied.status} ${JSON.stringify(applied.json)}`);
  }
  calibration = `\ncalibration on the enrolled members (${report.pairs} pairs): configured MATCH_THRESHOLD ${report.thresholds[0]!.threshold}, suggested ${suggested ?? '— (none)'}${suggested !== null ? ', applied' : ''}`;
}

const enrolled = new Set(s.enrolled);
const enrolledOk = new Set(memberOf.values());
const outcome = { mated: 0, matedFound: 0, matedMissedRefused: 0, wrongMember: 0, nonMated: 0, falseMatches: 0, reasons: new Map<string, number>() };
const wrong: string[] = [];
const probes = s.several.flatMap((person) => (enrolled.has(person) ? s.byPerson.get(person)!.slice(1) : s.byPerson.get(person)!).map((image) => ({ person, image, mated: enrolled.has(person) })));
await each(probes, async ({ person, image, mated }) => {
  const res = await call('POST', '/v1/identify?liveness=off', till, await fs.readFile(path.join(opts.dir, image)), 'image/jpeg');
  const face = labelledFace(res.json.faces);
  const found = face?.match ? memberOf.get(face.match.memberId) : undefined;
  const reason = res.status !== 200 ? (res.json.error?.code ?? String(res.status)) : !face ? 'NO_FACE' : face.match ? `match${face.match.via ? ` via ${face.match.via}` : ''}` : (face.unknownReason ?? 'unknown');
  outcome.reasons.set(`${mated ? 'mated' : 'non-mated'}: ${reason}`, (outcome.reasons.get(`${mated ? 'mated' : 'non-mated'}: ${reason}`) ?? 0) + 1);
  if (mated) {
    outcome.mated++;
    if (!enrolledOk.has(person)) outcome.matedMissedRefused++;
    else if (found === person) outcome.matedFound++;
    else if (found) {
      outcome.wrongMember++;
      wrong.push(`${image} → ${found} (similarity ${face?.match?.similarity ?? '?'})`);
    }
  } else {
    outcome.nonMated++;
    if (found) outcome.falseMatches++;
  }
});
const report = (await call('GET', '/v1/admin/recognition', ADMIN)).json;
await service.close();

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(2)}%`;
const group = report.malls![0]!.partitions.find((p) => p.name === 'group')!;
console.log(`
Open-set 1:N through the HTTP API (LFW View 1; TARGET_FPIR ${opts.targetFpir}; group ${group.templates} templates searched at ${group.threshold ?? '— (second factor)'}, expected FPIR ${group.expectedFpir ?? '—'})${calibration}
enrollments: ${s.enrolled.length + s.distractors.length} tried, ${memberOf.size} accepted, refused: ${JSON.stringify(Object.fromEntries(refused))}
mated searches ${outcome.mated}: found ${outcome.matedFound}, FNIR ${pct(outcome.mated - outcome.matedFound, outcome.mated)} (of which the person's enrollment was refused: ${outcome.matedMissedRefused}), wrong member ${outcome.wrongMember} (${pct(outcome.wrongMember, outcome.mated)})
non-mated searches ${outcome.nonMated}: matched to someone ${outcome.falseMatches}, FPIR ${pct(outcome.falseMatches, outcome.nonMated)}
answers: ${JSON.stringify(Object.fromEntries([...outcome.reasons].sort()))}${refusedMated.length ? `\nrefused enrollments of people who probe:\n  ${refusedMated.sort().join('\n  ')}` : ''}${wrong.length ? `\nwrong members: ${wrong.join('; ')}` : ''}`);
if (opts.json) console.log(JSON.stringify({ targetFpir: Number(opts.targetFpir), group, refused: Object.fromEntries(refused), ...outcome, reasons: Object.fromEntries(outcome.reasons) }));
