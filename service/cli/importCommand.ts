import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import PQueue from 'p-queue';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { imageFormatOfFileName } from '../../models/imageFormats.js';
import { ApiError, callApi, postImage, type ApiTarget } from './apiCaller.js';

/**
 * Bulk enrollment of an existing member base: one sub-folder per member (its name, or a CSV row
 * giving name, phone and external ids), every photo in it enrolled. Resumable: a state file
 * records each member and each photo's outcome as it happens, and every member carries the
 * external id `import=<folder>`, so a rerun finds its members and enrolls nothing twice.
 */
export interface ImportOptions {
  csv?: string;
  consentSource: string;
  state?: string;
  report: string;
  concurrency: number;
}

interface ImportState {
  members: Record<string, string>;
  photos: Record<string, { outcome: 'enrolled'; faceId: string } | { outcome: 'rejected'; reason: string }>;
}

/** Answers that mean "this photo will never enroll": recorded, not retried. */
const REJECTIONS = new Set(['NO_FACE', 'MULTIPLE_FACES', 'LOW_QUALITY', 'FACE_ALREADY_ENROLLED', 'INVALID_IMAGE', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE']);

/** The CSV mapping: a header row led by `folder`, then one row per member folder (RFC 4180 quoting). */
function readCsv(file: string): Map<string, Record<string, string>> {
  const rows = parse<Record<string, string>>(fs.readFileSync(file, 'utf8'), {
    bom: true,
    trim: true,
    skip_empty_lines: true,
    columns: (header: string[]) => {
      if (header[0] !== 'folder') throw new Error(`${file}: the first column must be "folder"`);
      return header;
    },
  });
  return new Map(rows.map(({ folder, ...fields }) => [folder!, Object.fromEntries(Object.entries(fields).filter(([, value]) => value))]));
}

/** The state file is replaced atomically, so an interruption never leaves half of it. */
function saveState(file: string, state: ImportState): void {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(state));
  fs.renameSync(`${file}.tmp`, file);
}

export async function importCommand(target: ApiTarget, folder: string, options: ImportOptions): Promise<void> {
  const root = path.resolve(folder);
  const stateFile = options.state ?? path.join(root, '.visage-import.json');
  const state: ImportState = fs.existsSync(stateFile) ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as ImportState) : { members: {}, photos: {} };
  const mapping = options.csv ? readCsv(options.csv) : new Map<string, Record<string, string>>();
  const folders = fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  const work = folders.flatMap((name) => fs.readdirSync(path.join(root, name)).filter((f) => imageFormatOfFileName(f) !== undefined).sort().map((file) => ({ folder: name, photo: `${name}/${file}` })));
  const todo = work.filter((w) => !state.photos[w.photo]);

  let stopping = false;
  const onSignal = () => {
    stopping = true;
    console.error('\nstopping after the photos in flight; run the same command again to go on');
  };
  process.once('SIGINT', onSignal);
  const bar = new SingleBar({ format: 'import [{bar}] {value}/{total} photos | {enrolled} enrolled, {rejected} rejected, {errors} errors{waiting}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000 });
  const counts = { enrolled: 0, rejected: 0, errors: 0, waiting: '' };
  bar.start(work.length, work.length - todo.length, counts);
  // The service's rate limit (429) or load shedding (503): the calls wait as asked, and the bar says so.
  let waitingUntil = 0;
  const api: ApiTarget = {
    ...target,
    onWait: (seconds, code) => {
      waitingUntil = Math.max(waitingUntil, Date.now() + seconds * 1000);
      counts.waiting = ` | waiting ${Math.ceil((waitingUntil - Date.now()) / 1000)} s (${code})`;
      bar.update(counts);
    },
  };

  // One creation per folder even with several photos of it in flight.
  const creating = new Map<string, Promise<string>>();
  const memberOf = (name: string): Promise<string> => {
    const known = state.members[name];
    if (known) return Promise.resolve(known);
    if (!creating.has(name)) creating.set(name, findOrCreate(name).finally(() => creating.delete(name)));
    return creating.get(name)!;
  };
  const findOrCreate = async (name: string): Promise<string> => {
    const row = mapping.get(name) ?? {};
    const importId = createHash('sha256').update(name).digest('hex').slice(0, 32);
    const found = await callApi<{ members: { id: string }[] }>(api, 'GET', `/v1/members?import=${importId}`);
    let id = found.members[0]?.id;
    if (!id) {
      const { name: displayName, phone, ...externalIds } = row;
      const created = await callApi<{ id: string }>(api, 'POST', '/v1/members', {
        name: displayName ?? name.replace(/_/g, ' '),
        ...(phone ? { phone } : {}),
        externalIds: { ...externalIds, import: importId },
        consent: { faceRecognition: true, source: options.consentSource },
      });
      id = created.id;
    }
    state.members[name] = id;
    saveState(stateFile, state);
    return id;
  };

  // Photos go out `concurrency` at a time; stopping (a signal, a key refused) drops the queued ones.
  const queue = new PQueue({ concurrency: options.concurrency });
  const enroll = async (item: (typeof todo)[number]) => {
    try {
      const memberId = await memberOf(item.folder);
      const bytes = fs.readFileSync(path.join(root, item.photo));
      const enrolled = await postImage<{ faceId: string }>(api, `/v1/members/${memberId}/faces`, bytes, item.photo);
      state.photos[item.photo] = { outcome: 'enrolled', faceId: enrolled.faceId };
      counts.enrolled++;
    } catch (error) {
      if (error instanceof ApiError && REJECTIONS.has(error.code)) {
        const reasons = (error.body as { error?: { reasons?: string[] } } | undefined)?.error?.reasons;
        state.photos[item.photo] = { outcome: 'rejected', reason: reasons?.length ? `${error.code} (${reasons.join(' ')})` : error.code };
        counts.rejected++;
      } else {
        counts.errors++; // not recorded: the next run tries it again
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) stopping = true;
        console.error(`\n${item.photo}: ${(error as Error).message}`);
      }
    }
    saveState(stateFile, state);
    if (Date.now() >= waitingUntil) counts.waiting = '';
    bar.increment(1, counts);
    if (stopping) queue.clear();
  };
  // Cleared tasks never settle, so wait for the queue to drain rather than for every task.
  for (const item of todo) void queue.add(() => enroll(item));
  await queue.onIdle();
  bar.stop();
  process.off('SIGINT', onSignal);

  const rejected = Object.entries(state.photos).filter(([, o]) => o.outcome === 'rejected') as [string, { reason: string }][];
  fs.writeFileSync(options.report, stringify([['photo', 'reason'], ...rejected.map(([photo, o]) => [photo, o.reason])]));
  const enrolledTotal = Object.values(state.photos).filter((o) => o.outcome === 'enrolled').length;
  console.log(`${Object.keys(state.members).length} members, ${enrolledTotal} photos enrolled, ${rejected.length} rejected (${options.report}), ${counts.errors} errors this run`);
  for (const [photo, o] of rejected.slice(0, 20)) console.log(`  rejected ${photo}: ${o.reason}`);
  if (rejected.length > 20) console.log(`  … and ${rejected.length - 20} more in ${options.report}`);
  if (stopping || counts.errors > 0) process.exitCode = 1;
}
