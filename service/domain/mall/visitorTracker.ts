import { meanVector } from '../../../models/vectors.js';
import type { MatchRule } from '../recognition/matchRule.js';

/**
 * Follows unknown faces across camera frames, so that a stranger becomes an anonymous visitor
 * member only after being seen in several frames within a short window, every sighting close to
 * the others. One blurry frame, a passer-by glimpsed once, or two different strangers who happen
 * to look alike in one frame can never create a member.
 *
 * State is per replica and in memory: candidates are seconds old, and losing them on a restart
 * only delays a visitor's creation.
 */
export interface VisitorTrackerOptions {
  minSightings: number;
  windowMs: number;
  /** Every sighting must be the same person as the candidate's mean descriptor by the 1:N rule. */
  rule: Pick<MatchRule, 'samePerson' | 'vectorCloseness'>;
  /** Candidates kept at most; the stalest are dropped first. */
  maxCandidates?: number;
}

interface Sighting {
  at: number;
  frameId: string;
  descriptor: Float32Array;
}

interface Candidate {
  sightings: Sighting[];
  centroid: Float32Array;
}

export interface ConfirmedVisitor {
  /** Mean of the sightings' descriptors: steadier than any single frame's. */
  descriptor: number[];
  sightings: number;
}

const mean = (sightings: readonly Sighting[]): Float32Array => meanVector(sightings.map((s) => s.descriptor));

export class VisitorTracker {
  private candidates: Candidate[] = [];
  private readonly maxCandidates: number;

  constructor(private readonly options: VisitorTrackerOptions) {
    this.maxCandidates = options.maxCandidates ?? 2_000;
  }

  get size(): number {
    return this.candidates.length;
  }

  /**
   * Records one sighting of an unknown face; returns the visitor to create once the same person
   * has been seen in `minSightings` different frames within the window.
   */
  observe(descriptor: ArrayLike<number>, at: number, frameId: string): ConfirmedVisitor | undefined {
    this.forgetBefore(at - this.options.windowMs);
    const sighting: Sighting = { at, frameId, descriptor: Float32Array.from(descriptor) };
    const candidate = this.nearest(sighting.descriptor, frameId);
    if (!candidate) {
      this.candidates.push({ sightings: [sighting], centroid: sighting.descriptor });
      if (this.candidates.length > this.maxCandidates) this.candidates.shift();
      return undefined;
    }
    candidate.sightings.push(sighting);
    candidate.centroid = mean(candidate.sightings);
    const consistent = candidate.sightings.every((s) => this.options.rule.samePerson(s.descriptor, candidate.centroid));
    if (!consistent) {
      // Two people merged by chance: keep only the newest sighting as a fresh candidate.
      candidate.sightings = [sighting];
      candidate.centroid = sighting.descriptor;
      return undefined;
    }
    if (candidate.sightings.length < this.options.minSightings) return undefined;
    this.candidates = this.candidates.filter((c) => c !== candidate);
    return { descriptor: Array.from(candidate.centroid), sightings: candidate.sightings.length };
  }

  /** The closest candidate within reach that has not already been seen in this frame. */
  private nearest(descriptor: Float32Array, frameId: string): Candidate | undefined {
    let best: Candidate | undefined;
    let bestCloseness = Number.NEGATIVE_INFINITY;
    for (const candidate of this.candidates) {
      if (candidate.sightings.some((s) => s.frameId === frameId)) continue;
      if (!this.options.rule.samePerson(descriptor, candidate.centroid)) continue;
      const closeness = this.options.rule.vectorCloseness(descriptor, candidate.centroid);
      if (closeness > bestCloseness) [best, bestCloseness] = [candidate, closeness];
    }
    return best;
  }

  private forgetBefore(cutoff: number): void {
    this.candidates = this.candidates.filter((candidate) => {
      if (candidate.sightings[0]!.at >= cutoff) return true; // sightings are in arrival order
      candidate.sightings = candidate.sightings.filter((s) => s.at >= cutoff);
      if (candidate.sightings.length === 0) return false;
      candidate.centroid = mean(candidate.sightings);
      return true;
    });
  }
}
