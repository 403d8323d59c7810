import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { createInterface } from 'node:readline';
import type { DescriptorModel } from '../models/faceModels.js';
import { FaceIndex, type FaceIndexOptions, type IndexEntry } from './faceIndex.js';

/**
 * An index saved to disk with the change-log position it reflects, so that a restart loads it and
 * catches up from the log instead of reading every descriptor again. Three files: the HNSW graph,
 * the label → template/member entries (one per line), and the metadata, written last, whose
 * presence marks a complete snapshot.
 */
export interface SnapshotMeta {
  /** 1: the graph in the clear (older versions); 2: sealed, under the key named by `keyId`. */
  format: 1 | 2;
  keyId?: string;
  /** The database it was taken from (visage_instance.instance_id). */
  instanceId: string;
  model: DescriptorModel;
  /** The last change-log sequence the index reflects. */
  seq: number;
  templates: number;
  savedAt: string;
}

/**
 * Seals the graph file (it holds every descriptor) under a key of its own, made at each save; the
 * previous snapshot's key is retired once the new one is complete. Without one, files are plain.
 */
export interface SnapshotSealer {
  /** Seals `plainPath` into `sealedPath`; returns the new key's id. */
  seal(plainPath: string, sealedPath: string): Promise<string>;
  open(sealedPath: string, plainPath: string, keyId: string): Promise<void>;
  retire(keyId: string): Promise<void>;
}

const GRAPH = 'faces.hnsw';
const ENTRIES = 'faces.entries';
const META = 'faces.meta.json';

/**
 * Takes the folder's save lock: two replicas sharing a data folder (two `npm start` on one
 * machine) must not interleave their files. The lock is refreshed while held, so one left by a
 * dead process goes stale and is taken over.
 */
async function lockFolder(dir: string): Promise<(() => Promise<void>) | undefined> {
  try {
    return await lockfile.lock(dir, { lockfilePath: path.join(dir, 'save.lock'), stale: 30_000, retries: 0, realpath: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
    throw error;
  }
}

/** Saves the index; undefined when another live process is saving into the same folder. */
export async function saveSnapshot(
  index: FaceIndex,
  dir: string,
  meta: Omit<SnapshotMeta, 'format' | 'templates' | 'savedAt' | 'keyId'>,
  sealer?: SnapshotSealer,
): Promise<SnapshotMeta | undefined> {
  await fs.mkdir(dir, { recursive: true });
  const unlock = await lockFolder(dir);
  if (!unlock) return undefined;
  try {
    const previous = await readSnapshotMeta(dir);
    const saved = await writeSnapshot(index, dir, meta, sealer);
    // The older snapshot's key goes only once the new snapshot is complete.
    if (previous?.keyId && sealer) await sealer.retire(previous.keyId);
    return saved;
  } finally {
    await unlock();
  }
}

async function writeSnapshot(index: FaceIndex, dir: string, meta: Omit<SnapshotMeta, 'format' | 'templates' | 'savedAt' | 'keyId'>, sealer?: SnapshotSealer): Promise<SnapshotMeta> {
  // The metadata goes first and comes back last: a save cut short leaves no snapshot (a full
  // rebuild at the next start), never a graph paired with the wrong entries.
  const graphTmp = path.join(dir, `${GRAPH}.tmp`);
  const entriesTmp = path.join(dir, `${ENTRIES}.tmp`);
  await fs.rm(path.join(dir, META), { force: true });
  const entries = await index.saveGraph(graphTmp);
  const handle = await fs.open(entriesTmp, 'w');
  try {
    const stream = handle.createWriteStream();
    for (const entry of entries) {
      if (!stream.write(`${entry.label}\t${entry.templateId}\t${entry.memberId}\n`)) await once(stream, 'drain');
    }
    await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  } finally {
    await handle.close().catch(() => undefined);
  }
  let keyId: string | undefined;
  if (sealer) {
    const sealedTmp = path.join(dir, `${GRAPH}.sealed.tmp`);
    try {
      keyId = await sealer.seal(graphTmp, sealedTmp);
    } finally {
      await fs.rm(graphTmp, { force: true }); // the plain graph lives only while it is sealed
    }
    await fs.rename(sealedTmp, path.join(dir, GRAPH));
  } else {
    await fs.rename(graphTmp, path.join(dir, GRAPH));
  }
  await fs.rename(entriesTmp, path.join(dir, ENTRIES));
  const full: SnapshotMeta = { format: keyId ? 2 : 1, ...(keyId ? { keyId } : {}), ...meta, templates: entries.length, savedAt: new Date().toISOString() };
  const metaTmp = path.join(dir, `${META}.tmp`);
  await fs.writeFile(metaTmp, JSON.stringify(full), { flush: true });
  await fs.rename(metaTmp, path.join(dir, META));
  return full;
}

export async function readSnapshotMeta(dir: string): Promise<SnapshotMeta | undefined> {
  try {
    const meta = JSON.parse(await fs.readFile(path.join(dir, META), 'utf8')) as SnapshotMeta;
    return meta.format === 1 || (meta.format === 2 && typeof meta.keyId === 'string') ? meta : undefined;
  } catch {
    return undefined;
  }
}

async function* readEntries(file: string): AsyncGenerator<IndexEntry> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const [label, templateId, memberId] = line.split('\t');
    yield { label: Number(label), templateId: templateId!, memberId: memberId! };
  }
}

/** The snapshot described by `meta`; a sealed one needs its sealer and its key (a retired key: it throws, and the caller rebuilds). */
export async function loadSnapshot(dir: string, meta: SnapshotMeta, options: FaceIndexOptions, sealer?: SnapshotSealer): Promise<FaceIndex> {
  const entries: IndexEntry[] = [];
  for await (const entry of readEntries(path.join(dir, ENTRIES))) entries.push(entry);
  if (!meta.keyId) return FaceIndex.loadGraph(path.join(dir, GRAPH), entries, options);
  if (!sealer) throw new Error('the snapshot is sealed and no sealer was given');
  const plain = path.join(dir, `${GRAPH}.open.tmp`);
  try {
    await sealer.open(path.join(dir, GRAPH), plain, meta.keyId);
    return await FaceIndex.loadGraph(plain, entries, options);
  } finally {
    await fs.rm(plain, { force: true });
  }
}
