import { euclideanDistance, type IndexHit } from '../../../index/faceIndex.js';
import type { Metric, ModelThresholds, ThresholdFit } from '../../../models/faceModels.js';
import { l2Normalise } from '../../../models/vectors.js';
import { invalidInput } from '../errors.js';

/** Why a face was answered "unknown". */
export type UnknownReason = 'no_close_member' | 'ambiguous' | 'low_quality' | 'spoof_suspected' | 'needs_second_factor';

export interface Decision {
  /** The best template of the member the face is; absent when unknown. */
  hit?: IndexHit;
  unknownReason?: UnknownReason;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/**
 * "Closeness" of an index distance, higher is closer whatever the metric: the cosine similarity
 * (unit vectors: 1 − d²/2), or the negated Euclidean distance. Benchmarks rank on it too.
 */
export const closenessOf = (metric: Metric, distance: number): number => (metric === 'cosine' ? 1 - (distance * distance) / 2 : -distance);

/** A threshold in the model's own scale from a closeness (and back: the map is its own inverse for euclidean). */
export const thresholdFromCloseness = (metric: Metric, closeness: number): number => (metric === 'cosine' ? closeness : -closeness);

/**
 * The one place that decides "same person", for every caller: 1:N identification with its margin
 * (the partitions set the threshold each search uses), 1:1 verification, the double-enrollment check, the camera face tracks and a
 * request's stricter threshold. Thresholds are in the running model's own scale: cosine
 * similarity (higher is closer) or Euclidean distance (lower is closer). Internally every
 * comparison is on "closeness" (the similarity, or the negated distance), so that one rule
 * serves both without assuming either.
 *
 * The index returns Euclidean distances; for a cosine model its descriptors are unit length, and
 * cosine similarity = 1 − d²/2 exactly.
 */
export class MatchRule {
  private current: Readonly<ModelThresholds>;
  private fittedFor: Readonly<ThresholdFit> | null = null;
  /** Bumped at each revision: whatever was derived from the thresholds (a mall's search plan) is derived again. */
  private revisions = 0;

  constructor(
    readonly metric: Metric,
    thresholds: Readonly<ModelThresholds>,
  ) {
    const problems = MatchRule.problemsWith(metric, thresholds);
    if (problems.length > 0) throw new Error(problems.join('; '));
    this.current = Object.freeze({ ...thresholds });
  }

  /** The thresholds in force: the configuration's, or those an admin applied after calibrating on the deployment's faces. */
  get thresholds(): Readonly<ModelThresholds> {
    return this.current;
  }

  /** Where the match threshold in force was fitted on the deployment's own members; null for the configured (LFW's) one. */
  get fit(): Readonly<ThresholdFit> | null {
    return this.fittedFor;
  }

  get revision(): number {
    return this.revisions;
  }

  /** Puts other thresholds in force (ThresholdSettings, after checking them with problemsWith), with where they were fitted. */
  revise(next: Readonly<ModelThresholds>, fit: Readonly<ThresholdFit> | null = null): void {
    const problems = MatchRule.problemsWith(this.metric, next);
    if (problems.length > 0) throw new Error(problems.join('; '));
    const same = (Object.keys(next) as (keyof ModelThresholds)[]).every((k) => next[k] === this.current[k]);
    const sameFit = fit?.templates === this.fittedFor?.templates && fit?.targetFpir === this.fittedFor?.targetFpir;
    if (same && sameFit) return;
    this.current = Object.freeze({ ...next });
    this.fittedFor = fit && Object.freeze({ ...fit });
    this.revisions++;
  }

  /** What is wrong with a threshold set for a metric (the configuration reports each at start). */
  static problemsWith(metric: Metric, t: ModelThresholds): string[] {
    const problems: string[] = [];
    const inRange = metric === 'cosine' ? (v: number) => v > -1 && v < 1 : (v: number) => v > 0 && v < 2;
    const range = metric === 'cosine' ? 'a cosine similarity between -1 and 1' : 'a Euclidean distance between 0 and 2';
    for (const [name, value] of [['MATCH_THRESHOLD', t.match], ['TODAY_MATCH_THRESHOLD', t.today], ['VERIFY_THRESHOLD', t.verify]] as const) {
      if (!inRange(value)) problems.push(`${name}: ${value} is not ${range} (the running model's scale)`);
    }
    if (!(t.margin >= 0 && t.margin < 1)) problems.push(`MATCH_MARGIN: ${t.margin} must be at least 0 and below 1`);
    if (problems.length > 0) return problems;
    const closeness = (v: number) => thresholdFromCloseness(metric, v);
    if (closeness(t.verify) > closeness(t.match)) {
      problems.push('VERIFY_THRESHOLD: must not be stricter than MATCH_THRESHOLD (1:N identification needs the stricter cut-off)');
    }
    if (closeness(t.today) > closeness(t.match)) {
      problems.push("TODAY_MATCH_THRESHOLD: must not be stricter than MATCH_THRESHOLD (it widens the search for those seen today)");
    }
    return problems;
  }

  /** Higher is closer, whatever the metric. */
  private closeness(distance: number): number {
    return closenessOf(this.metric, distance);
  }

  /** A threshold as a closeness (the same map: similarity as is, distance negated). */
  private bar(threshold: number): number {
    return thresholdFromCloseness(this.metric, threshold);
  }

  /** The model's own score of an index distance: cosine similarity, or the distance itself. */
  score(distance: number): number {
    return round(this.metric === 'cosine' ? 1 - (distance * distance) / 2 : distance, 4);
  }

  /** The stricter of two thresholds (model scale). */
  stricter(a: number, b: number): number {
    return this.bar(a) >= this.bar(b) ? a : b;
  }

  /** Whether an index distance is within a threshold given in the model's scale. */
  within(distance: number, threshold: number): boolean {
    return this.closeness(distance) >= this.bar(threshold);
  }

  /**
   * The 1:N decision on a face's nearest templates (nearest first). A member's score is its best
   * template. The face is that member only when the best member is within the threshold AND the
   * best *different* member is at least the margin less close: two members about equally close
   * is a coin toss, and at a till a coin toss hands one person's points to another.
   */
  decide(hits: readonly IndexHit[], threshold = this.thresholds.match): Decision {
    const best = hits[0];
    if (!best || !this.within(best.distance, threshold)) return { unknownReason: 'no_close_member' };
    const runnerUp = hits.find((hit) => hit.memberId !== best.memberId);
    if (runnerUp && !this.clearlyAhead(best, runnerUp)) return { unknownReason: 'ambiguous' };
    return { hit: best };
  }

  /** Whether `best` leads `rival` by at least the margin. */
  clearlyAhead(best: Pick<IndexHit, 'distance'>, rival: Pick<IndexHit, 'distance'> | undefined): boolean {
    if (!rival) return true;
    return this.closeness(best.distance) - this.closeness(rival.distance) >= this.thresholds.margin;
  }

  /** 1:1: whether the distance to the member's nearest template passes verification. */
  verifies(distance: number, threshold = this.thresholds.verify): boolean {
    return this.within(distance, threshold);
  }

  /** The nearest template of a member other than `memberId` within the 1:N threshold (or a stricter one given). */
  sameAsOtherMember(hits: readonly IndexHit[], memberId?: string, threshold = this.thresholds.match): IndexHit | undefined {
    return hits.find((hit) => hit.memberId !== memberId && this.within(hit.distance, threshold));
  }

  /** Whether two descriptors (not necessarily unit length, e.g. a mean) are one person at the 1:N threshold. */
  samePerson(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
    return this.vectorCloseness(a, b) >= this.bar(this.thresholds.match);
  }

  /** Whether two descriptors are one face at the 1:1 threshold (frames of one session, seconds apart on one camera). */
  sameFace(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
    return this.vectorCloseness(a, b) >= this.bar(this.thresholds.verify);
  }

  /** Closeness of two descriptors, higher is closer (ranks a visitor's candidates). */
  vectorCloseness(a: ArrayLike<number>, b: ArrayLike<number>): number {
    return this.metric === 'cosine' ? cosineSimilarity(a, b) : -euclideanDistance(a, b);
  }

  /**
   * A descriptor as the index must hold it: unit length for a cosine model (its distances are
   * cosine-exact only then; a visitor's mean of sightings, or a client's numbers, may not be),
   * unchanged for a Euclidean one. Undefined for an all-zero vector.
   */
  canonical(descriptor: ArrayLike<number>): number[] | undefined {
    if (this.metric !== 'cosine') return Array.from(descriptor);
    const unit = l2Normalise(Float32Array.from(descriptor));
    return unit.some((v) => v !== 0) ? Array.from(unit) : undefined;
  }

  /** A request's threshold: it may ask for a stricter one, never a looser one. */
  requested(requested: number | undefined, configured: number): number {
    if (requested === undefined) return configured;
    if (this.bar(requested) < this.bar(configured)) {
      const direction = this.metric === 'cosine' ? 'higher similarity' : 'lower distance';
      throw invalidInput(`threshold may only be stricter (${direction}) than the configured ${configured}`);
    }
    return requested;
  }
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
