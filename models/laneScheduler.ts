/**
 * The inference queue, bounded and ordered: the till first, enrollment next, camera frames last.
 * A worker that frees up takes the oldest task of the highest lane that has one; a lane whose queue
 * is full sheds the new task at once (the caller answers 503 OVERLOADED with Retry-After) instead
 * of letting it wait without limit; a camera frame that waited too long is dropped rather than
 * analysed late (a newer frame of that camera is on its way).
 */
export const LANES = ['pos', 'enroll', 'camera'] as const;
export type Lane = (typeof LANES)[number];

export interface LaneLimits {
  /** Tasks that may wait in the lane; the next one is shed. */
  maxQueued: number;
  /** A task that waited longer than this is dropped when its turn comes (camera frames). */
  maxWaitMs?: number;
  /**
   * Workers the lane may occupy at once (all by default). Camera frames get one fewer than there
   * are workers, so that a till never waits behind a frame on every worker.
   */
  maxRunning?: number;
}

export interface LaneObserver {
  /** A task of the lane started after waiting `ms`. */
  started(lane: Lane, ms: number): void;
  /** A task of the lane was shed (queue full) or dropped (waited too long). */
  shed(lane: Lane, why: 'queue_full' | 'too_late'): void;
}

/** The models layer's answer to "too busy": the service maps it to 503 OVERLOADED with Retry-After. */
export class OverloadedError extends Error {
  constructor(readonly lane: Lane) {
    super(`the face models are busy (${lane} lane full); retry shortly`);
    this.name = 'OverloadedError';
  }
}

interface Waiting {
  enqueuedAt: number;
  start: () => void;
  shed: () => void;
}

export class LaneScheduler {
  private running = 0;
  private readonly runningIn: Record<Lane, number> = { pos: 0, enroll: 0, camera: 0 };
  private readonly queues: Record<Lane, Waiting[]> = { pos: [], enroll: [], camera: [] };
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly slots: number,
    private readonly limits: Record<Lane, LaneLimits>,
    private readonly observer?: LaneObserver,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Tasks waiting in a lane now. */
  queued(lane: Lane): number {
    return this.queues[lane].length;
  }

  /** Runs `job` when a slot is free and its lane's turn comes; rejects with OverloadedError when shed. */
  run<T>(lane: Lane, job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const task: Waiting = {
        enqueuedAt: this.now(),
        start: () => {
          this.running++;
          this.runningIn[lane]++;
          job()
            .then(resolve, reject)
            .finally(() => {
              this.running--;
              this.runningIn[lane]--;
              this.dispatch();
              if (this.running === 0 && LANES.every((l) => this.queues[l].length === 0)) for (const wake of this.idleWaiters.splice(0)) wake();
            });
        },
        shed: () => reject(new OverloadedError(lane)),
      };
      const queue = this.queues[lane];
      if (this.running < this.slots && this.mayRun(lane) && LANES.every((l) => this.queues[l].length === 0)) {
        this.observer?.started(lane, 0);
        task.start();
        return;
      }
      if (queue.length >= this.limits[lane].maxQueued) {
        this.observer?.shed(lane, 'queue_full');
        task.shed();
        return;
      }
      queue.push(task);
      this.dispatch();
    });
  }

  private mayRun(lane: Lane): boolean {
    return this.runningIn[lane] < (this.limits[lane].maxRunning ?? Infinity);
  }

  /** Resolves when nothing runs or waits (the pipeline waits for it before stopping its workers). */
  idle(): Promise<void> {
    if (this.running === 0 && LANES.every((l) => this.queues[l].length === 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private dispatch(): void {
    while (this.running < this.slots) {
      const lane = LANES.find((l) => this.queues[l].length > 0 && this.mayRun(l));
      if (!lane) return;
      const task = this.queues[lane].shift()!;
      const waited = this.now() - task.enqueuedAt;
      const maxWait = this.limits[lane].maxWaitMs;
      if (maxWait !== undefined && waited > maxWait) {
        this.observer?.shed(lane, 'too_late');
        task.shed();
        continue;
      }
      this.observer?.started(lane, waited);
      task.start();
    }
  }
}
