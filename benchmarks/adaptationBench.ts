/**
 * Templates that learn, measured through the HTTP API on LFW View 1: every person with three or
 * more photos is enrolled with photo 1 (POST /v1/members/:id/faces; a refused enrollment makes
 * their probes misses), photo 2 is identified at a till (a pos key: the recognition that may teach
 * an adaptive template), then photos 3+ are identified by an operator key (which teaches nothing).
 * The gallery also holds every one-photo person and half of the two-photo people; the other half
 * never enrolled: their photos are strangers, shown to the till too (nothing may be learnt from
 * them) and then probed. Run twice, adaptation off (ADAPT_MAX_TEMPLATES=0) and on (the defaults),
 * each on a fresh service.
 *
 *   npm run bench:adaptation [-- --dir ../shared/datasets/lfw-view1] [--json]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { benchCommand } from './benchCommand.js';
import { each, labelledFace, startBenchService } from './benchService.js';
import { DEFAULT_LFW_DIR, identityOf, view1Images } from './lfw.js';

const opts = benchCommand().option('--dir <folder>', 'LFW View 1 folder', DEFAULT_LFW_DIR).parse().opts<{ dir: string; json?: boolean }>();
const images = view1Images(opts.dir);
const byPerson = new Map<string, string[]>();
for (const image of images) byPerson.set(identityOf(image), [...(byPerson.get(identityOf(image)) ?? []), image]);
const people = [...byPerson.keys()].sort();
const learners = people.filter((p) => byPerson.get(p)!.length >= 3);
const pairs = people.filter((p) => byPerson.get(p)!.length === 2);
const distractors = [...people.filter((p) => byPerson.get(p)!.length === 1), ...pairs.filter((_, i) => i % 2 === 0)];
const strangers = pairs.filter((_, i) => i % 2 === 1);
const photo = (image: string) => fs.readFile(path.join(opts.dir, image));

async function run(adapt: boolean) {
  const service = await startBenchService(adapt ? {} : { ADAPT_MAX_TEMPLATES: '0' });
  const { call, admin } = service;
  const till = await service.keyOf('pos', 'adaptation till');
  const memberOf = new Map<string, string>(); // member id → person
  const idOf = new Map<string, string>(); // person → member id
  const refused = new Map<string, number>();
  await each([...learners, ...distractors], async (person) => {
    const created = await call('POST', '/v1/members', admin, JSON.stringify({ name: person, consent: { faceRecognition: true, source: 'bench' } }));
    const enrolled = await call('POST', `/v1/members/${created.json.id}/faces`, admin, await photo(byPerson.get(person)![0]!), 'image/jpeg');
    if (enrolled.status === 201) {
      memberOf.set(created.json.id!, person);
      idOf.set(person, created.json.id!);
    } else refused.set(enrolled.json.error?.code ?? String(enrolled.status), (refused.get(enrolled.json.error?.code ?? String(enrolled.status)) ?? 0) + 1);
  });
  // The till: each learner's photo 2, and every stranger's photos.
  const atTill = [...learners.map((p) => byPerson.get(p)![1]!), ...strangers.flatMap((p) => byPerson.get(p)!)];
  await each(atTill, async (image) => void (await call('POST', '/v1/identify?liveness=off', till, await photo(image), 'image/jpeg')));
  let learnt = 0;
  let learntFromStrangers = 0;
  for (const [id, person] of memberOf) {
    const n = (await call('GET', `/v1/members/${id}/faces`, admin)).json.adaptive?.length ?? 0;
    if (learners.includes(person)) learnt += n;
    else learntFromStrangers += n;
  }
  // The probes, by an operator key: photos 3+ of each learner, every stranger photo.
  const outcome = { mated: 0, found: 0, wrongMember: 0, missedRefused: 0, nonMated: 0, falseMatches: 0 };
  const probes = [...learners.flatMap((p) => byPerson.get(p)!.slice(2).map((image) => ({ person: p, image, mated: true }))), ...strangers.flatMap((p) => byPerson.get(p)!.map((image) => ({ person: p, image, mated: false })))];
  await each(probes, async ({ person, image, mated }) => {
    const face = labelledFace((await call('POST', '/v1/identify?liveness=off', admin, await photo(image), 'image/jpeg')).json.faces);
    const found = face?.match ? memberOf.get(face.match.memberId) : undefined;
    if (mated) {
      outcome.mated++;
      if (!idOf.has(person)) outcome.missedRefused++;
      else if (found === person) outcome.found++;
      else if (found) outcome.wrongMember++;
    } else {
      outcome.nonMated++;
      if (found) outcome.falseMatches++;
    }
  });
  await service.close();
  return { adapt, gallery: memberOf.size, refused: Object.fromEntries(refused), learners: learners.length, learnt, learntFromStrangers, ...outcome };
}

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(2)}%`;
const runs = [await run(false), await run(true)];
console.log(`\nTemplates that learn, through the HTTP API (LFW View 1: ${learners.length} people with 3+ photos, ${strangers.length} strangers)`);
for (const r of runs) {
  console.log(`adaptation ${r.adapt ? 'on ' : 'off'}: gallery ${r.gallery} (refused ${JSON.stringify(r.refused)}), adaptive templates learnt ${r.learnt} (from strangers ${r.learntFromStrangers}); ` +
    `probes 3+ ${r.mated}: FNIR ${pct(r.mated - r.found, r.mated)} (enrollment refused ${r.missedRefused}), wrong member ${r.wrongMember}; strangers ${r.nonMated}: FPIR ${pct(r.falseMatches, r.nonMated)}`);
}
if (opts.json) console.log(JSON.stringify(runs));
