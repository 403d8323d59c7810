import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FaceIndex } from '../../../index/faceIndex.js';
import type { DuplicateRepository } from '../../repositories/duplicateRepository.js';
import { closenessOf, thresholdFromCloseness, type MatchRule } from './matchRule.js';
import { fpirOf, type PartitionThresholds } from './partitionThresholds.js';

/** Pairs compared per turn of the event loop (a few milliseconds each): the service keeps answering while it runs. */
const CHUNK = 5_000;
/** Pairs compared at most; more members are sampled (seeded: two runs on the same base agree). */
const MAX_PAIRS = 1_000_000;

export interface CalibrationReport {
  members: number;
  /** Different-member pairs compared: every pair, or a seeded sample of them. */
  pairs: number;
  sampled: boolean;
  /** Pairs left out because an operator's duplicate review lists them (they may be one person). */
  excludedSuspectedDuplicates: number;
  /** The smallest false-match rate this many pairs can show (one pair's worth). */
  resolution: number;
  /** At each threshold in force: the share of this deployment's different-member pairs at least that close, and LFW's. */
  thresholds: { name: 'match' | 'today' | 'verify'; threshold: number; deploymentFmr: number; lfwFmr: number | null }[];
  /** The whole group searched at MATCH_THRESHOLD: the expected FPIR from this deployment's pairs, and from LFW's. */
  group: { templates: number; expectedFpir: number; lfwExpectedFpir: number | null };
  /** The loosest MATCH_THRESHOLD whose expected FPIR over the group stays within TARGET_FPIR on this deployment's pairs; null when the sample cannot show so small a rate. */
  suggestedMatchThreshold: number | null;
  targetFpir: number;
  /** The closest different-member pairs: look-alikes, or one person enrolled twice (to review). */
  closestPairs: { memberId: string; otherMemberId: string; similarity: number }[];
}

/**
 * Calibration on the deployment's own faces. Thresholds learnt on LFW's web photos do not transfer
 * to another population and another camera (impostor pairs of East Asian webcam crops passed LFW's
 * FPIR-1% threshold about 200× as often), so a deployment checks them on what it has: its enrolled
 * members are different people, so every pair of different members is an impostor pair — no
 * labels needed. Pairs an operator's duplicate review still lists are left out (they may be one
 * person; where enrolled members are not distinct, that is a duplicate to review, and the closest
 * pairs are listed for it). One template per member, the member's first in the index.
 */
export class DeploymentCalibration {
  constructor(
    private readonly deps: {
      index: FaceIndex;
      duplicates: Pick<DuplicateRepository, 'pending'>;
      rule: MatchRule;
      /** LFW's measured curve (the committed thresholds file), for comparison. */
      thresholds: Pick<PartitionThresholds, 'measured' | 'expectedFpir'>;
      targetFpir: number;
    },
  ) {}

  async estimate(): Promise<CalibrationReport> {
    const { index, rule } = this.deps;
    const members = index.memberIds().sort();
    const vectors = members.map((id) => index.descriptorOf(index.templatesOf(id)[0]!.label)!);
    const suspected = new Set((await this.deps.duplicates.pending(100_000)).flatMap((d) => [`${d.memberId}|${d.otherMemberId}`, `${d.otherMemberId}|${d.memberId}`]));
    const all = (members.length * (members.length - 1)) / 2;
    const sampled = all > MAX_PAIRS;
    const scores: number[] = [];
    const closest: CalibrationReport['closestPairs'] = [];
    let excluded = 0;
    let random = 20_261_207;
    const next = () => ((random = (Math.imul(random, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
    const pairs = sampled ? Array.from({ length: MAX_PAIRS }, () => this.randomPair(members.length, next)) : this.everyPair(members.length);
    let done = 0;
    for (const [i, j] of pairs) {
      if (++done % CHUNK === 0) await yieldToEventLoop();
      if (suspected.has(`${members[i]}|${members[j]}`)) {
        excluded++;
        continue;
      }
      const closeness = rule.vectorCloseness(vectors[i]!, vectors[j]!);
      scores.push(closeness);
      if (closest.length < 5 || closeness > closest.at(-1)!.similarity) {
        closest.push({ memberId: members[i]!, otherMemberId: members[j]!, similarity: Number(closeness.toFixed(4)) });
        closest.sort((a, b) => b.similarity - a.similarity);
        closest.length = Math.min(closest.length, 5);
      }
    }
    scores.sort((a, b) => b - a);
    const fmrAt = (threshold: number) => {
      const bar = closenessOf(rule.metric, threshold);
      let n = 0;
      while (n < scores.length && scores[n]! >= bar) n++;
      return scores.length === 0 ? 0 : n / scores.length;
    };
    const templates = index.size;
    const { match, today, verify } = rule.thresholds;
    const lfw = (t: number) => (this.deps.thresholds.measured ? this.deps.thresholds.expectedFpir(1, t) : null);
    const resolution = scores.length === 0 ? 1 : 1 / scores.length;
    return {
      members: members.length,
      pairs: scores.length,
      sampled,
      excludedSuspectedDuplicates: excluded,
      resolution,
      thresholds: (
        [
          ['match', match],
          ['today', today],
          ['verify', verify],
        ] as const
      ).map(([name, threshold]) => ({ name, threshold, deploymentFmr: fmrAt(threshold), lfwFmr: lfw(threshold) })),
      group: { templates, expectedFpir: fpirOf(fmrAt(match), templates), lfwExpectedFpir: this.deps.thresholds.measured ? this.deps.thresholds.expectedFpir(templates, match) : null },
      suggestedMatchThreshold: this.suggested(scores, templates, resolution),
      targetFpir: this.deps.targetFpir,
      closestPairs: closest,
    };
  }

  /** The loosest closeness whose expected FPIR over `templates` stays within the target, in the model's scale. */
  private suggested(scores: readonly number[], templates: number, resolution: number): number | null {
    const { rule, targetFpir } = this.deps;
    // The FMR a threshold may have at this size; below what the sample can show, no answer.
    const allowed = -Math.expm1(Math.log1p(-targetFpir) / Math.max(1, templates));
    if (allowed < resolution) return null;
    const k = Math.floor(allowed * scores.length); // pairs allowed at or above the threshold
    const bar = scores[k];
    if (bar === undefined) return null;
    return Number(thresholdFromCloseness(rule.metric, bar + 1e-4).toFixed(3));
  }

  private *everyPair(n: number): Generator<[number, number]> {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) yield [i, j];
  }

  private randomPair(n: number, next: () => number): [number, number] {
    const i = Math.floor(next() * n);
    let j = Math.floor(next() * (n - 1));
    if (j >= i) j++;
    return [Math.min(i, j), Math.max(i, j)];
  }
}
