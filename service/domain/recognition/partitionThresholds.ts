import type { FalseMatchCurve, Metric, ThresholdFit } from '../../../models/faceModels.js';
import { thresholdFromCloseness } from './matchRule.js';

/** The threshold a partition of a given size is searched at, and what it is expected to cost. */
export interface PartitionThreshold {
  /** In the running model's scale (cosine similarity for the default model). */
  threshold: number;
  /**
   * Chance that a stranger is matched to someone in the partition at that threshold (binomial
   * model): on the curve's false-match rates, or, with a threshold fitted on the deployment, on the
   * rate that fit implies (scaled by the curve past it).
   */
  expectedFpir: number | null;
}

/** 1 − (1 − fmr)^n without losing precision for tiny fmr. */
export const fpirOf = (fmr: number, templates: number): number => -Math.expm1(templates * Math.log1p(-fmr));

/**
 * Thresholds that hold a false-positive identification rate as a gallery grows. A stranger
 * compared with N templates is matched to someone with probability 1 − (1 − FMR(t))^N, so the
 * threshold must tighten with N. FMR(t) is read off the model's measured false-match curve
 * (impostor pairs of real photos, `npm run calibrate`), never extrapolated: a threshold where the
 * curve saw no false match is credited with one (FMR < 1/pairs is all the photos can show), so the
 * largest gallery any threshold can hold to a target is target × pairs. Past that the partition
 * is not searched at all (the till asks for a second factor).
 *
 * A threshold an admin applied after calibrating on the deployment's own members (ThresholdFit)
 * is a measurement of this population at the group's size then: it holds there, whatever LFW's
 * curve says, and the curve only says how much stricter a larger partition, or a smaller share of
 * the target, must be than at the fitted size.
 */
export class PartitionThresholds {
  private readonly points: readonly (readonly [number, number])[];

  constructor(
    private readonly metric: Metric,
    private readonly curve: FalseMatchCurve | undefined,
  ) {
    this.points = curve ? [...curve.points].sort((a, b) => a[0] - b[0]) : [];
  }

  /** Where the curve was measured (null without one). */
  get source(): { pairs: number; source: string } | undefined {
    return this.curve && { pairs: this.curve.pairs, source: this.curve.source };
  }

  /** Whether the model has a measured curve (without one, the configured thresholds hold at any size). */
  get measured(): boolean {
    return this.curve !== undefined && this.points.length > 0;
  }

  /** FMR at a closeness: the share of impostor pairs at least that close, at least one pair's worth. */
  private fmrAt(closeness: number): number {
    const curve = this.curve!;
    let count = curve.pairs;
    for (const [at, n] of this.points) {
      if (at > closeness + 1e-9) break;
      count = n;
    }
    return Math.max(count, 1) / curve.pairs;
  }

  /** The expected FPIR of a search over `templates` templates at a threshold (model scale); null without a curve. */
  expectedFpir(templates: number, threshold: number): number | null {
    if (!this.measured) return null;
    if (templates === 0) return 0;
    return fpirOf(this.fmrAt(thresholdFromCloseness(this.metric, threshold)), templates);
  }

  /**
   * The loosest threshold at which a search over `templates` templates keeps the expected FPIR
   * within `targetFpir`, never looser than `floor` (the threshold in force, model scale).
   * Undefined when no measured threshold can: the partition is too big to search alone. With a
   * `fit` (the threshold in force was fitted on the deployment's members), from the fit instead.
   */
  forSize(templates: number, targetFpir: number, floor: number, fit?: Readonly<ThresholdFit> | null): PartitionThreshold | undefined {
    if (!this.measured) return { threshold: floor, expectedFpir: null };
    if (fit) return this.fromFit(templates, targetFpir, floor, fit);
    const floorCloseness = thresholdFromCloseness(this.metric, floor);
    const atFloor = this.expectedFpir(templates, floor)!;
    if (atFloor <= targetFpir) return { threshold: floor, expectedFpir: atFloor };
    for (const [closeness] of this.points) {
      if (closeness <= floorCloseness) continue;
      const fpir = fpirOf(this.fmrAt(closeness), templates);
      if (fpir <= targetFpir) return { threshold: thresholdFromCloseness(this.metric, closeness), expectedFpir: fpir };
    }
    return undefined;
  }

  /** The loosest closeness on the curve that holds `targetFpir` over `templates`; undefined when none can. */
  private loosestCloseness(templates: number, targetFpir: number): number | undefined {
    for (const [closeness] of this.points) if (fpirOf(this.fmrAt(closeness), templates) <= targetFpir) return closeness;
    return undefined;
  }

  /**
   * The threshold fitted at `fit` (`fitted`, model scale) made as much stricter as the curve needs
   * between the fitted size and target and these; never looser than the fit. A partition past what
   * the curve can hold is searched only up to the fitted size (the deployment measured that one).
   */
  private fromFit(templates: number, targetFpir: number, fitted: number, fit: Readonly<ThresholdFit>): PartitionThreshold | undefined {
    const fittedCloseness = thresholdFromCloseness(this.metric, fitted);
    const here = this.loosestCloseness(templates, targetFpir);
    if (here === undefined && templates > fit.templates) return undefined;
    const there = this.loosestCloseness(fit.templates, fit.targetFpir);
    const shift = here === undefined || there === undefined ? 0 : Math.max(0, here - there);
    // Up to the next 1e-4 (never looser than the sum).
    const closeness = Math.ceil((fittedCloseness + shift) * 1e4 - 1e-6) / 1e4;
    // The per-template rate the fit implies at the fitted threshold, lowered as the curve falls past it.
    const fmrAtFit = -Math.expm1(Math.log1p(-fit.targetFpir) / Math.max(1, fit.templates));
    const fmr = fmrAtFit * (this.fmrAt(closeness) / this.fmrAt(fittedCloseness));
    return { threshold: thresholdFromCloseness(this.metric, closeness), expectedFpir: fpirOf(fmr, templates) };
  }

  /** The strictest measured threshold and what it costs at a size (an operator's limit past the target). */
  strictest(templates: number): PartitionThreshold | undefined {
    if (!this.measured) return undefined;
    const closeness = this.points.at(-1)![0];
    return { threshold: thresholdFromCloseness(this.metric, closeness), expectedFpir: fpirOf(this.fmrAt(closeness), templates) };
  }

  /** The largest partition (templates) any measured threshold holds to `targetFpir`; Infinity without a curve. */
  maxTemplates(targetFpir: number): number {
    if (!this.measured) return Number.POSITIVE_INFINITY;
    // The strictest point the curve has (credited with at least one false match).
    const strictest = this.fmrAt(this.points.at(-1)![0]);
    return Math.floor(Math.log1p(-targetFpir) / Math.log1p(-strictest));
  }
}
