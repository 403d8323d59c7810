import type { Role } from '../../repositories/apiKeyRepository.js';

/** Whether a request must prove a live face: `required` refuses a face the check does not pass. */
export type LivenessMode = 'required' | 'off';

/** A face's passive liveness verdict, as answers carry it. */
export interface LivenessVerdict {
  /** The fused MiniFASNet probability of a live face, 0..1. */
  score: number;
  live: boolean;
  reasons?: string[];
}

export interface LivenessSettings {
  /** Scores below this are refused (LIVENESS_THRESHOLD; how it was chosen: README, "Liveness"). */
  threshold: number;
  /** The mode of a request that does not say: `pos` keys, and every other role. */
  defaults: { pos: LivenessMode; others: LivenessMode };
}

/**
 * Liveness at the till: which requests must prove a live face (a `pos` key by default — the
 * till is where a phone held up with a member's photo would pay with their points), and the
 * verdict on a face's passive score.
 */
export class LivenessPolicy {
  constructor(readonly settings: LivenessSettings) {}

  /** The mode for a caller: what the request asks for, else its role's default. */
  modeFor(role: Role | undefined, requested: LivenessMode | undefined): LivenessMode {
    return requested ?? (role === 'pos' ? this.settings.defaults.pos : this.settings.defaults.others);
  }

  judge(score: number | undefined): LivenessVerdict {
    if (score === undefined) return { score: 0, live: false, reasons: ['not_checked'] };
    const rounded = Number(score.toFixed(4));
    return score >= this.settings.threshold ? { score: rounded, live: true } : { score: rounded, live: false, reasons: ['passive_score_low'] };
  }
}
