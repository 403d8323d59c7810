import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FaceIndex } from '../../../index/faceIndex.js';
import type { DuplicateRepository } from '../../repositories/duplicateRepository.js';
import { closenessOf, thresholdFromCloseness, type MatchRule } from './matchRule.js';
import { fpirOf, type PartitionThresholds } from './partitionThresholds.js';

/** Pairs compared per turn of the event loop (a few milliseconds each): the service keeps answering while it runs. */
const CHUNK = 5_000;
/**
 * Pairs compared at most; more members are sampled (seeded: two runs on the same base agree).
 * Every pair up to ≈ 2,800 members: the suggestion rests on the few pairs above the threshold
 * (at 2,500 members and TARGET_FPIR 1%, 4 of a million sampled pairs, 12 of all 3.1 million), so
 * a sample of those makes it jump with one member more or less. About 3 s of work at that size,
 * in slices.
 */
const MAX_PAIRS = 4_000_000;

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
    // Closeness of every pair compared, kept as 32-bit floats (4 million of them: 16 MB).
    const scores = new Float32Array(sampled ? MAX_PAIRS : all);
    let compared = 0;
    const closest: CalibrationReport['closestPairs'] = [];
    let excluded = 0;
    let random = 20_261_207;
    const next = () => ((random = (Math.imul(random, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
    const pairs = sampled ? this.sampledPairs(members.length, MAX_PAIRS, next) : this.everyPair(members.length);
    let done = 0;
    for (const [i, j] of pairs) {
      if (++done % CHUNK === 0) await yieldToEventLoop();
      if (suspected.has(`${members[i]}|${members[j]}`)) {
        excluded++;
        continue;
      }
      const closeness = rule.vectorCloseness(vectors[i]!, vectors[j]!);
      scores[compared++] = closeness;
      if (closest.length < 5 || closeness > closest.at(-1)!.similarity) {
        closest.push({ memberId: members[i]!, otherMemberId: members[j]!, similarity: Number(closeness.toFixed(4)) });
        closest.sort((a, b) => b.similarity - a.similarity);
        closest.length = Math.min(closest.length, 5);
      }
    }
    // Closest first.
    const ranked = scores.subarray(0, compared).sort().reverse();
    const fmrAt = (threshold: number) => {
      const bar = closenessOf(rule.metric, threshold);
      let n = 0;
      while (n < ranked.length && ranked[n]! >= bar) n++;
      return ranked.length === 0 ? 0 : n / ranked.length;
    };
    const templates = index.size;
    const { match, today, verify } = rule.thresholds;
    const lfw = (t: number) => (this.deps.thresholds.measured ? this.deps.thresholds.expectedFpir(1, t) : null);
    const resolution = ranked.length === 0 ? 1 : 1 / ranked.length;
    return {
      members: members.length,
      pairs: ranked.length,
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
      suggestedMatchThreshold: this.suggested(ranked, templates, resolution),
      targetFpir: this.deps.targetFpir,
      closestPairs: closest,
    };
  }

  /** The loosest closeness whose expected FPIR over `templates` stays within the target, in the model's scale. */
  private suggested(scores: Float32Array, templates: number, resolution: number): number | null {
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

  /** `count` pairs of different members drawn with `next` (seeded): generated, never held. */
  private *sampledPairs(n: number, count: number, next: () => number): Generator<[number, number]> {
    for (let k = 0; k < count; k++) {
      const i = Math.floor(next() * n);
      let j = Math.floor(next() * (n - 1));
      if (j >= i) j++;
      yield [Math.min(i, j), Math.max(i, j)];
    }
  }
}
