/**
 * One run at a time of some work that catches up with changes (the index with the change log, the
 * camera supervisor with the cameras table): a call while it runs does not start a second one, it
 * asks for one more after it — so no change is missed and no two runs overlap. Calls meanwhile
 * share the run in progress. Written once here (below the service, so both layers may use it).
 */
export class CoalescedRun<T> {
  private running: Promise<T> | undefined;
  private again = false;

  /** `onRerunError`: a failure of a run nobody awaits (the one more). */
  constructor(
    private readonly work: () => Promise<T>,
    private readonly onRerunError: (error: unknown) => void = () => undefined,
  ) {}

  /** Starts a run, or asks for one more after the one in progress (whose result it answers). */
  run(): Promise<T> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.work().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.run().catch(this.onRerunError);
      }
    });
    return this.running;
  }

  /** The run in progress, if any (a shutdown waits for it). */
  get current(): Promise<T> | undefined {
    return this.running;
  }
}
