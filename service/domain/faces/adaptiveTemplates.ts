import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FaceIndex } from '../../../index/faceIndex.js';
import type { FacePipeline } from '../../../models/facePipeline.js';
import { readyModel } from './faceAnalysis.js';
import type { Box, FaceMeasures } from '../../../models/types.js';
import { withTransaction, type Pool } from '../../db/pool.js';
import type { AuditLog } from '../access/auditLog.js';
import type { FaceTemplateRepository } from '../../repositories/faceTemplateRepository.js';
import type { MemberRepository } from '../../repositories/memberRepository.js';
import type { MatchRule } from '../recognition/matchRule.js';
import type { ServedIndex } from '../recognition/servedIndex.js';
import { judgeQuality, type QualityPolicy } from './quality.js';
import { qualityView } from './faceView.js';

/** When a recognised face may teach Visage more of a member (ADAPT_*). */
export interface AdaptationPolicy {
  /** Adaptive templates kept per member at most; 0 turns adaptation off. */
  maxTemplates: number;
  /** The recognition's score (model scale: the fused cosine similarity for the default model) must reach this. */
  minScore: number;
  /** ...and lead the best other member by at least this much (cosine similarity). */
  minMargin: number;
  /** Whether faces seen by entrance cameras may teach too (never by default: a camera is not a till). */
  fromCameras: boolean;
}

/** A face just recognised as a member, offered as an adaptive template. */
export interface AdaptationCandidate {
  memberId: string;
  descriptor: ArrayLike<number>;
  box: Box;
  measures: FaceMeasures;
  source: 'till' | 'camera';
  /** Whether the request required liveness, and what it found (null: not judged). */
  liveness: { required: boolean; passed: boolean | null };
  /** Who asked (the till's key), for the audit record. */
  keyId: string | null;
}

export type AdaptationOutcome =
  | { added: true; faceId: string; replaced: string | null; score: number; margin: number }
  | { added: false; reason: 'off' | 'camera' | 'liveness' | 'quality' | 'weak' | 'drift' | 'recent' | 'gone' | 'failed' };

/** At most one adaptive template per member in this long: one good visit teaches, a day of visits does not churn. */
const MIN_INTERVAL_MS = 24 * 3_600_000;

/**
 * Templates that learn from the till, safely. A member's one enrollment photo is a desk photo; the
 * till sees another camera. A clear recognition (score and margin well past the rule, a face good
 * enough to enroll, liveness passed where it was required) may be kept as an *adaptive* template,
 * so that what Visage knows follows how the member is really seen — the way products that keep
 * recognising people refresh what they know of a face. Guards: it must still verify against the
 * member's *enrolled* templates (a chain of adaptive ones cannot drift, or be walked, towards
 * someone else); at most `maxTemplates` per member, the oldest replaced, an enrolled template never;
 * never from cameras unless allowed; every addition audited. The till's photo is not kept: an
 * adaptive template is its descriptor only (re-learnt after a model change, never re-indexed).
 */
export class AdaptiveTemplates {
  constructor(
    private readonly deps: {
      pool: Pool;
      pipeline: FacePipeline;
      index: FaceIndex;
      templates: FaceTemplateRepository;
      members: MemberRepository;
      rule: MatchRule;
      served: Pick<ServedIndex, 'holds'>;
      /** The enrollment quality policy: an adaptive template is held to what an enrolled one is. */
      enrollPolicy: QualityPolicy;
      policy: AdaptationPolicy;
      audit: Pick<AuditLog, 'record'>;
      clock: () => Date;
      logger: Logger;
    },
  ) {}

  /** On when templates are allowed and scores are similarities (the ONNX models; face-api's distances have no such scale). */
  get enabled(): boolean {
    return this.deps.policy.maxTemplates > 0 && this.deps.rule.metric === 'cosine';
  }

  /**
   * A till's identification: each recognised face is offered (the offer refuses what is not
   * clearly them); never a face found only by a second factor. Liveness passed by a challenge
   * session counts as passed.
   */
  async offerTill(
    faces: readonly { face: Pick<AdaptationCandidate, 'descriptor' | 'box' | 'measures'>; match: { memberId: string; via?: string } | null; liveness?: { live: boolean } }[],
    keyId: string,
    liveness: { required: boolean; passedBySession?: boolean },
  ): Promise<void> {
    if (!this.enabled) return;
    for (const { face, match, liveness: verdict } of faces) {
      if (!match || match.via === 'second-factor') continue;
      const { descriptor, box, measures } = face;
      await this.offer({ memberId: match.memberId, descriptor, box, measures, source: 'till', liveness: { required: liveness.required, passed: liveness.passedBySession ?? verdict?.live ?? null }, keyId });
    }
  }

  /** Adds the face as an adaptive template of the member when it is safe to, or says why not; a failure is logged, never thrown at the till. */
  async offer(candidate: AdaptationCandidate): Promise<AdaptationOutcome> {
    try {
      return await this.tryOffer(candidate);
    } catch (error) {
      this.deps.logger.warn({ err: error, memberId: candidate.memberId }, 'adaptive template not added');
      return { added: false, reason: 'failed' };
    }
  }

  private async tryOffer(candidate: AdaptationCandidate): Promise<AdaptationOutcome> {
    const { policy, rule, index } = this.deps;
    if (!this.enabled) return { added: false, reason: 'off' };
    if (candidate.source === 'camera' && !policy.fromCameras) return { added: false, reason: 'camera' };
    if (candidate.liveness.required && candidate.liveness.passed !== true) return { added: false, reason: 'liveness' };
    const verdict = judgeQuality(candidate.measures, this.deps.enrollPolicy);
    if (!verdict.ok) return { added: false, reason: 'quality' };
    const { score, margin } = this.clearness(candidate);
    if (score < policy.minScore || margin < policy.minMargin) return { added: false, reason: 'weak' };
    const model = readyModel(this.deps.pipeline);
    // Most till recognitions of a member come within a day of the last lesson: told so without a transaction or a lock.
    if (this.learntRecently(await this.deps.templates.adaptiveOf(candidate.memberId, model))) return { added: false, reason: 'recent' };
    const outcome = await withTransaction(this.deps.pool, async (tx): Promise<AdaptationOutcome & { removedLabel?: number }> => {
      if (!(await this.deps.members.lockForUpdate(candidate.memberId, tx))) return { added: false, reason: 'gone' };
      const adaptive = await this.deps.templates.adaptiveOf(candidate.memberId, model, tx);
      if (this.learntRecently(adaptive)) return { added: false, reason: 'recent' }; // a concurrent till taught it meanwhile
      const enrolled = await this.deps.templates.enrolledDescriptors(candidate.memberId, model, tx);
      // Anchored to the enrolled faces: it must be the member's face at the 1:1 threshold, whatever the adaptive ones say.
      if (!enrolled.some((d) => rule.sameFace(d, candidate.descriptor))) return { added: false, reason: 'drift' };
      const oldest = adaptive.length >= policy.maxTemplates ? adaptive[0] : undefined;
      if (oldest) await this.deps.templates.deleteOne(candidate.memberId, oldest.id, tx);
      const quality = qualityView(candidate.measures, verdict);
      const template = await this.deps.templates.insert(
        { id: randomUUID(), memberId: candidate.memberId, descriptor: candidate.descriptor, modelName: model.name, modelVersion: model.version, box: candidate.box, quality, photoKey: null, kind: 'adaptive', createdAt: this.deps.clock() },
        tx,
      );
      if (this.deps.served.holds(candidate.memberId)) index.add({ label: template.label, templateId: template.id, memberId: candidate.memberId }, candidate.descriptor);
      return { added: true, faceId: template.id, replaced: oldest?.id ?? null, score, margin, ...(oldest ? { removedLabel: oldest.label } : {}) };
    });
    if (!outcome.added) return outcome;
    const { removedLabel, ...added } = outcome;
    if (removedLabel !== undefined) index.remove(removedLabel);
    this.deps.audit.record({
      keyId: candidate.keyId,
      keyName: null,
      role: candidate.source === 'till' ? 'pos' : 'camera',
      action: 'face.adapted',
      memberId: candidate.memberId,
      outcome: 'ok',
      status: 201,
      requestId: null,
      details: { faceId: added.faceId, replaced: added.replaced, source: candidate.source, score: Number(score.toFixed(4)), margin: Number(margin.toFixed(4)) },
    });
    return added;
  }

  /** Whether the member's newest adaptive template (oldest first) is less than a day old. */
  private learntRecently(adaptive: readonly { createdAt: string }[]): boolean {
    const newest = adaptive.at(-1);
    return newest !== undefined && this.deps.clock().getTime() - Date.parse(newest.createdAt) < MIN_INTERVAL_MS;
  }

  /** The recognition's score for the member and its lead over the best other member (cosine similarity). */
  private clearness(candidate: AdaptationCandidate): { score: number; margin: number } {
    const { rule, index } = this.deps;
    const hits = index.search(candidate.descriptor, 10);
    const own = hits.find((h) => h.memberId === candidate.memberId);
    const other = hits.find((h) => h.memberId !== candidate.memberId);
    const score = own ? rule.score(own.distance) : Number.NEGATIVE_INFINITY;
    return { score, margin: score - (other ? rule.score(other.distance) : -1) };
  }
}
