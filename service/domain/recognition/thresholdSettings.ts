import type { Logger } from 'pino';
import type { ModelThresholds } from '../../../models/faceModels.js';
import type { AppliedThresholdRepository, AppliedThresholds } from '../../repositories/appliedThresholdRepository.js';
import { invalidInput } from '../errors.js';
import { MatchRule, thresholdFromCloseness } from './matchRule.js';
import { CoalescedRun } from '../../../index/coalescedRun.js';

/** What GET/PUT /v1/admin/thresholds answer: the configuration's, those in force, and what an admin applied. */
export interface ThresholdsView {
  modelVersion: string;
  configured: ModelThresholds;
  inForce: ModelThresholds;
  applied: AppliedThresholds | null;
}

const rounded = (value: number) => Number(value.toFixed(4));

/**
 * Applying thresholds learnt on the deployment's own faces (DeploymentCalibration suggests a
 * MATCH_THRESHOLD): an explicit admin action, stored in PostgreSQL for the running model's
 * version so that every replica puts it in force (at start, and when the change is announced).
 * The seen-today threshold keeps its distance below the match threshold (the two were calibrated
 * together); the margin and the 1:1 threshold stay the configuration's. Withdrawing returns to
 * the configuration. Thresholds of another model version are never read: their scale differs.
 * An applied threshold is fitted for the group as it was then (its templates and TARGET_FPIR):
 * the partitions' size rule searches the group at it at that size, and tightens it only as the
 * group grows past it (PartitionThresholds.forSize), instead of letting LFW's curve overrule the
 * deployment's own measurement.
 */
export class ThresholdSettings {
  private applied: AppliedThresholds | undefined;
  /** One read at a time (the announcement, the poll and an apply may ask together): a slower, older read never lands last. */
  private readonly reading: CoalescedRun<void>;

  constructor(
    private readonly deps: {
      repository: AppliedThresholdRepository;
      rule: MatchRule;
      configured: Readonly<ModelThresholds>;
      modelVersion: string;
      /** The group's size in templates, as the size rule counts it: an applied threshold is fitted for it. */
      groupTemplates: () => number;
      targetFpir: number;
      logger: Logger;
    },
  ) {
    this.reading = new CoalescedRun(() => this.read(), (error) => deps.logger.warn({ err: error }, 'applied thresholds not read'));
  }

  view(): ThresholdsView {
    const { configured, rule, modelVersion } = this.deps;
    return { modelVersion, configured: { ...configured }, inForce: { ...rule.thresholds }, applied: this.applied ?? null };
  }

  /** The thresholds in force with `match` applied: the seen-today one moved by as much, the rest as configured. */
  private withMatch(match: number): ModelThresholds {
    const { configured, rule } = this.deps;
    const shift = thresholdFromCloseness(rule.metric, match) - thresholdFromCloseness(rule.metric, configured.match);
    const today = rounded(thresholdFromCloseness(rule.metric, thresholdFromCloseness(rule.metric, configured.today) + shift));
    return { ...configured, match, today };
  }

  /** Applies a MATCH_THRESHOLD here and on every replica (audited by the caller); refused when it breaks the rule's invariants. */
  async apply(match: number, keyId: string | null): Promise<ThresholdsView> {
    const next = this.withMatch(match);
    const problems = MatchRule.problemsWith(this.deps.rule.metric, next);
    if (problems.length > 0) throw invalidInput(problems.join('; '), { problems });
    // Fitted for the group as it is now (the calibration an admin applies measured this group).
    const fittedFor = { templates: this.deps.groupTemplates(), targetFpir: this.deps.targetFpir };
    await this.deps.repository.set(this.deps.modelVersion, { match: next.match, today: next.today, fittedFor }, keyId);
    await this.readAfterWrite();
    return this.view();
  }

  /** Withdraws applied thresholds: the configuration's are in force again, here and on every replica. */
  async withdraw(): Promise<ThresholdsView> {
    await this.deps.repository.clear(this.deps.modelVersion);
    await this.readAfterWrite();
    return this.view();
  }

  /** Reads what is applied for this model version and puts it in force (at start, on each announcement, each minute). */
  refresh(): Promise<void> {
    return this.reading.run();
  }

  /** A read begun after the caller's write (one in progress may have begun before it). */
  private async readAfterWrite(): Promise<void> {
    await this.reading.current?.catch(() => undefined);
    await this.reading.run();
  }

  private async read(): Promise<void> {
    const { repository, rule, configured, modelVersion, logger } = this.deps;
    const applied = await repository.get(modelVersion);
    const next = applied ? { ...configured, match: applied.match, today: applied.today } : configured;
    const problems = MatchRule.problemsWith(rule.metric, next);
    if (problems.length > 0) {
      // Written by another version of the service with other configured thresholds: kept out, said loudly.
      logger.error({ applied, problems }, 'applied thresholds break the match rule here; the configured ones stay in force');
      this.applied = undefined;
      rule.revise(configured);
      return;
    }
    const before = rule.revision;
    this.applied = applied;
    rule.revise(next, applied?.fittedFor ?? null);
    if (rule.revision !== before) logger.info({ match: next.match, today: next.today, applied: Boolean(applied), fittedFor: applied?.fittedFor ?? null }, 'match thresholds in force changed');
  }
}
