import { CoalescedRun } from './coalescedRun.js';
import type { Logger } from 'pino';
import type { DescriptorModel, IndexedModel } from '../models/faceModels.js';
import { FaceIndex } from './faceIndex.js';
import { loadSnapshot, readSnapshotMeta, saveSnapshot, type SnapshotSealer } from './indexSnapshot.js';
import { loadIndex, type StoredTemplate } from './loadIndex.js';

/** One change of the template change log, ready to apply. */
export interface IndexChange {
  seq: number;
  op: 'add' | 'remove';
  templateId: string;
  memberId: string;
  label: number;
  /** Null for removes, and for adds whose template is gone or belongs to another model. */
  descriptor: ArrayLike<number> | null;
}

export interface ChangeSource {
  state(): Promise<{ instanceId: string; horizon: number; latest: number }>;
  changesSince(seq: number, limit: number, model: DescriptorModel): Promise<IndexChange[]>;
}

export interface TemplateSource {
  streamForIndex(model: DescriptorModel): AsyncIterable<StoredTemplate[]>;
}

export interface OpenedIndex {
  index: FaceIndex;
  /** The change-log position the index reflects. */
  seq: number;
  instanceId: string;
  source: 'snapshot' | 'rebuild';
}

/**
 * The index a replica starts with: its snapshot when that was taken from this database, by this
 * model, and the change log still reaches back to it; else a full rebuild from the templates.
 * Either way the caller then catches up from `seq`.
 */
export async function openIndex(deps: {
  snapshotDir: string;
  changes: ChangeSource;
  templates: TemplateSource;
  model: IndexedModel;
  /** Seals the snapshot's graph (the service's keystore); unset: plain files. */
  sealer?: SnapshotSealer;
  logger: Logger;
}): Promise<OpenedIndex> {
  // Read before the rebuild's scan: changes committed during the scan are applied again by the
  // catch-up, which is harmless (adds and removes are idempotent).
  const state = await deps.changes.state();
  const meta = await readSnapshotMeta(deps.snapshotDir);
  const usable =
    meta &&
    meta.instanceId === state.instanceId &&
    meta.model.name === deps.model.name &&
    meta.model.version === deps.model.version &&
    meta.seq >= state.horizon &&
    meta.seq <= state.latest;
  if (usable) {
    try {
      const index = await loadSnapshot(deps.snapshotDir, meta, { dimensions: deps.model.dimension }, deps.sealer);
      return { index, seq: meta.seq, instanceId: state.instanceId, source: 'snapshot' };
    } catch (error) {
      deps.logger.warn({ err: error }, 'index snapshot unreadable: rebuilding from PostgreSQL');
    }
  } else if (meta) {
    deps.logger.info({ snapshotSeq: meta.seq, horizon: state.horizon }, 'index snapshot not usable here: rebuilding from PostgreSQL');
  }
  const index = new FaceIndex({ dimensions: deps.model.dimension });
  await loadIndex(index, deps.templates.streamForIndex(deps.model));
  return { index, seq: state.latest, instanceId: state.instanceId, source: 'rebuild' };
}

const BATCH = 2_000;

/**
 * Keeps a replica's index in step with the change log: woken by LISTEN/NOTIFY, polling as the
 * fallback, applying changes strictly in sequence order. It also saves snapshots.
 */
export class IndexSync {
  /** Catch-ups: one at a time, a call meanwhile asking for one more. */
  private readonly catchUps = new CoalescedRun<number>(() =>
    this.serialized(() => this.drain()).then((applied) => {
      this.caughtUpAt = Date.now();
      return applied;
    }),
  );
  private timers: NodeJS.Timeout[] = [];
  private savedSeq: number;
  private lastError = 0;
  /** When the last catch-up reached the end of the change log (0: never). */
  private caughtUpAt = 0;

  constructor(
    private readonly deps: {
      index: FaceIndex;
      seq: number;
      instanceId: string;
      changes: ChangeSource;
      model: DescriptorModel;
      snapshotDir: string;
      sealer?: SnapshotSealer;
      logger: Logger;
    },
    private appliedSeq = deps.seq,
  ) {
    this.savedSeq = -1;
  }

  get seq(): number {
    return this.appliedSeq;
  }

  /** Catch-ups and exclusive work, one after another. */
  private queue: Promise<unknown> = Promise.resolve();

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs `work` between catch-ups, never beside one: templates it adds from PostgreSQL (a member
   * who joined this replica's malls) cannot overtake a change of the log, since every change
   * committed after its read comes after the position the index stands at.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.serialized(work);
  }

  /** Applies every change after the current position; concurrent calls share one run (plus one more). */
  catchUp(): Promise<number> {
    return this.catchUps.run();
  }

  private async drain(): Promise<number> {
    let applied = 0;
    for (;;) {
      const changes = await this.deps.changes.changesSince(this.appliedSeq, BATCH, this.deps.model);
      for (const change of changes) {
        if (change.op === 'add') {
          if (change.descriptor) this.deps.index.add({ label: change.label, templateId: change.templateId, memberId: change.memberId }, change.descriptor);
        } else {
          this.deps.index.remove(change.label);
        }
        this.appliedSeq = change.seq;
      }
      applied += changes.length;
      if (changes.length < BATCH) return applied;
    }
  }

  /** True when a catch-up reached the end of the change log within the last `ms`. */
  caughtUpWithin(ms: number): boolean {
    return Date.now() - this.caughtUpAt <= ms;
  }

  /** Catches up now, logging (at most every 30 s) instead of throwing: used by timers and notifications. */
  poke(): void {
    this.catchUp().catch((error: unknown) => {
      if (Date.now() - this.lastError > 30_000) {
        this.lastError = Date.now();
        this.deps.logger.warn({ err: error }, 'index catch-up failed; retrying');
      }
    });
  }

  start(pollMs: number, snapshotMs: number): void {
    this.timers.push(setInterval(() => this.poke(), pollMs));
    this.timers.push(setInterval(() => void this.saveSnapshot().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'index snapshot failed')), snapshotMs));
    for (const timer of this.timers) timer.unref();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** Saves the index with the position it reflects (skipped when nothing changed since the last save). */
  async saveSnapshot(): Promise<boolean> {
    if (this.appliedSeq === this.savedSeq) return false;
    // Taken between catch-ups so that the saved graph and the saved position agree.
    await this.catchUps.current;
    const seq = this.appliedSeq;
    const saved = await saveSnapshot(this.deps.index, this.deps.snapshotDir, { instanceId: this.deps.instanceId, model: this.deps.model, seq }, this.deps.sealer);
    if (!saved) return false; // another replica is saving into this folder right now
    this.savedSeq = seq;
    return true;
  }
}
