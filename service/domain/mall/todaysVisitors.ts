import type { VisitRepository } from '../../repositories/visitRepository.js';
import type { Clock } from '../shared/clock.js';

/** How often the list is read again from the visits table. */
export const TODAYS_VISITORS_REFRESH_MS = 30_000;

/**
 * The members an entrance camera has seen since local midnight. At the till the payer almost
 * always walked in today: identification searches these few hundred members first, with their
 * own (looser) threshold, and the whole gallery only with the strict one. Read from the visits
 * table every 30 s (so every replica sees every camera's visits) and added to at once for the
 * visits this replica records.
 */
export class TodaysVisitors {
  private members = new Set<string>();
  private day = '';
  /** Changes whenever the list may have: readers keep derived data until it moves. */
  version = 0;

  constructor(
    private readonly visits: VisitRepository,
    private readonly timeZone: string,
    private readonly clock: Clock,
  ) {}

  private localDay(): string {
    return new Intl.DateTimeFormat('en-CA', { timeZone: this.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(this.clock());
  }

  list(): string[] {
    if (this.localDay() !== this.day) return []; // midnight passed: yesterday's visitors no longer count
    return [...this.members];
  }

  add(memberId: string): void {
    if (this.localDay() === this.day && !this.members.has(memberId)) {
      this.members.add(memberId);
      this.version++;
    }
  }

  async refresh(): Promise<void> {
    const day = this.localDay();
    const ids = await this.visits.memberIdsSinceLocalMidnight(this.clock(), this.timeZone);
    this.members = new Set(ids);
    this.day = day;
    this.version++;
  }
}
