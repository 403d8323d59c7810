import type { Logger } from 'pino';
import type { IndexHit } from '../../../index/faceIndex.js';
import { euclideanDistance } from '../../../index/faceIndex.js';
import type { IndexedModel } from '../../../models/faceModels.js';
import { isDatabaseUnavailable, withTransaction, type Pool, type Queryable } from '../../db/pool.js';
import type { FaceTemplateRepository } from '../../repositories/faceTemplateRepository.js';
import type { PartitionRepository } from '../../repositories/partitionRepository.js';
import type { Recognition, RecognitionRepository } from '../../repositories/recognitionRepository.js';
import { invalidInput, recognitionExpired, recognitionNotFound, recognitionRequired, recognitionUsed, secondFactorLocked } from '../errors.js';
import type { Principal } from '../access/apiKeys.js';
import { cosineSimilarity, type MatchRule, type UnknownReason } from './matchRule.js';
import type { Clock } from '../shared/clock.js';
import type { ServedIndex } from './servedIndex.js';
import type { PartitionThresholds } from './partitionThresholds.js';

/** Second-factor tries one recognition allows (wrong digits included). */
export const SECOND_FACTOR_TRIES = 3;
/** How long an expired recognition's row (without its descriptor) is kept, so a late use is told "expired". */
const EXPIRED_KEPT_SECONDS = 86_400;

/** Where a till is: its key, and the mall and store the key is bound to. */
export interface TillContext {
  keyId: string;
  mallId: string;
  storeId: string | null;
}

/** A face to name: its descriptor and what identification made of it. */
export interface FaceToName {
  descriptor: ArrayLike<number>;
  memberId: string | null;
  via: string | null;
  liveness: boolean | null;
}

export type SecondFactor = { phoneLast4: string } | { phone: string };

export interface SecondFactorOutcome {
  recognitionId: string;
  hit?: IndexHit;
  /** Cosine similarity of the face and the member's nearest template. */
  similarity?: number;
  threshold: number | null;
  unknownReason?: UnknownReason;
  triesLeft: number;
}

/**
 * Single-use recognitions: every face a till's identify answers is named by an id valid for
 * RECOGNITION_TTL_SECONDS, for that key. It proves to later calls (a second factor, spending
 * points) that this face was just seen at this till. The descriptor is kept only that long.
 *
 * The second factor: when a face is unknown because the group is too large to search, the last
 * four digits of the member's phone narrow the gallery to a bucket small enough to search at a
 * threshold that holds TARGET_FPIR at its size (exactly, from PostgreSQL); a full phone number is
 * a 1:1 check against that member. Wrong digits change nothing but the recognition's try count
 * (at most three), and answer exactly as "no member close enough" does: they say nothing about
 * which members exist. A member found this way becomes a regular of the till's mall.
 */
export class Recognitions {
  constructor(
    private readonly deps: {
      pool: Pool;
      recognitions: RecognitionRepository;
      templates: FaceTemplateRepository;
      activity: PartitionRepository;
      /** Makes a member found here a regular of the mall, searchable on this replica at once. */
      served: Pick<ServedIndex, 'join'>;
      rule: MatchRule;
      thresholds: PartitionThresholds;
      model: IndexedModel;
      targetFpir: number;
      ttlSeconds: number;
      /** REDEMPTION_REQUIRES_RECOGNITION: a pos key spends points or coupons only with a live recognition. */
      spendRequiresRecognition: boolean;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** The running model as a recognition records it: a descriptor of another model is never compared. */
  private get modelName(): string {
    return `${this.deps.model.name} ${this.deps.model.version}`;
  }

  /**
   * Names each face of an identification; undefined ids where PostgreSQL is away (identification
   * still answers from memory, without the ids a second factor or a redemption would need).
   */
  async mint(till: TillContext, faces: FaceToName[]): Promise<(string | undefined)[]> {
    const expiresAt = new Date(this.deps.clock().getTime() + this.deps.ttlSeconds * 1000);
    try {
      const recognitions = faces.map((face) => ({ ...till, ...face, modelName: this.modelName, expiresAt }));
      return await withTransaction(this.deps.pool, (tx) => this.deps.recognitions.insertMany(recognitions, tx));
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.deps.logger.warn('recognitions not recorded: the database is unavailable');
      return faces.map(() => undefined);
    }
  }

  /** The live recognition, for this key, or the error that says why not. */
  private usable(found: Recognition | undefined, keyId: string | undefined): Recognition & { descriptor: number[] } {
    // Another key's recognition is as unknown as a made-up one: nothing is revealed.
    if (!found || found.keyId !== keyId) throw recognitionNotFound();
    if (found.usedAt) throw recognitionUsed();
    if (found.expiresAt <= this.deps.clock() || !found.descriptor) throw recognitionExpired();
    if (found.modelName !== this.modelName) throw recognitionExpired(); // a descriptor of the model before a change
    return found as Recognition & { descriptor: number[] };
  }

  /**
   * The proof that `memberId`'s face was just recognised at this till, spent (single use) inside
   * the transaction of what it pays for: a redemption, or a purchase that uses coupons. A pos key
   * must show one (REDEMPTION_REQUIRES_RECOGNITION); an operator's or admin's back-office call may
   * go without, but a recognition it names is checked and spent all the same.
   */
  async spend(principal: Principal | undefined, memberId: string, recognitionId: string | undefined, usedFor: string, tx: Queryable): Promise<Pick<Recognition, 'id' | 'liveness'> | undefined> {
    if (!recognitionId) {
      if (principal?.role === 'pos' && this.deps.spendRequiresRecognition) throw recognitionRequired(`spending member ${memberId}'s points or coupons at a till needs their face`);
      return undefined;
    }
    const recognition = this.usable(await this.deps.recognitions.lock(recognitionId, tx), principal?.keyId);
    if (recognition.memberId !== memberId) throw recognitionRequired(`recognition ${recognitionId} does not name member ${memberId}`);
    await this.deps.recognitions.markUsed(recognition.id, this.deps.clock(), usedFor, tx);
    return { id: recognition.id, liveness: recognition.liveness };
  }

  async secondFactor(till: TillContext, recognitionId: string, factor: SecondFactor): Promise<SecondFactorOutcome> {
    const outcome = await withTransaction(this.deps.pool, async (tx) => {
      const recognition = this.usable(await this.deps.recognitions.lock(recognitionId, tx), till.keyId);
      if (recognition.memberId) throw invalidInput('this recognition already names a member: no second factor is needed');
      if (recognition.secondFactorTries >= SECOND_FACTOR_TRIES) throw secondFactorLocked(SECOND_FACTOR_TRIES);
      const decided = await this.search(recognition.descriptor, factor, tx);
      const triesLeft = SECOND_FACTOR_TRIES - recognition.secondFactorTries - 1;
      if (!decided.hit) {
        await this.deps.recognitions.countTry(recognition.id, tx);
        return { recognitionId: recognition.id, threshold: decided.threshold, unknownReason: decided.unknownReason, triesLeft, mallId: recognition.mallId };
      }
      await this.deps.recognitions.attachMember(recognition.id, decided.hit.memberId, 'second-factor', tx);
      await this.deps.activity.touch(decided.hit.memberId, recognition.mallId, this.deps.clock(), 'second_factor', tx);
      return { recognitionId: recognition.id, hit: decided.hit, similarity: decided.similarity, threshold: decided.threshold, triesLeft, mallId: recognition.mallId };
    });
    const { mallId, ...answer } = outcome;
    // From now on a regular here: this replica at once, the others at their next read.
    if (answer.hit) await this.deps.served.join(mallId, answer.hit.memberId);
    return answer;
  }

  /** The member of the bucket (or the one phone) the face is, exactly, at the bucket's threshold. */
  private async search(descriptor: number[], factor: SecondFactor, tx: Queryable): Promise<{ hit?: IndexHit; similarity?: number; threshold: number | null; unknownReason?: UnknownReason }> {
    const { rule, thresholds, model } = this.deps;
    const onePhone = 'phone' in factor;
    const templates = await this.deps.templates.forSecondFactor(onePhone ? { phone: factor.phone } : { last4: factor.phoneLast4 }, model, tx);
    // 1:1 against the member the full number names; 1:N at the bucket's size otherwise.
    const set = onePhone
      ? { threshold: rule.thresholds.verify }
      : thresholds.forSize(templates.length, this.deps.targetFpir, rule.thresholds.match, rule.fit);
    if (!set) return { threshold: null, unknownReason: 'no_close_member' as const };
    const hits = bestPerMember(templates.map((t) => ({ label: t.label, templateId: t.id, memberId: t.memberId, distance: euclideanDistance(descriptor, t.descriptor) })));
    const found = (hit: IndexHit) => {
      const template = templates.find((t) => t.label === hit.label)!;
      return { hit, similarity: Number(cosineSimilarity(descriptor, template.descriptor).toFixed(4)), threshold: set.threshold };
    };
    if (onePhone) {
      const best = hits[0];
      return best && rule.verifies(best.distance, set.threshold) ? found(best) : { threshold: set.threshold, unknownReason: 'no_close_member' as const };
    }
    const decision = rule.decide(hits, set.threshold);
    // "Ambiguous" would tell that two members share the digits: every miss reads the same.
    return decision.hit ? found(decision.hit) : { threshold: set.threshold, unknownReason: 'no_close_member' as const };
  }

  /** Forgets expired descriptors (and old rows): run every few seconds. */
  async sweep(): Promise<void> {
    await this.deps.recognitions.sweep(this.deps.clock(), EXPIRED_KEPT_SECONDS);
  }
}

/** Each member's nearest template, nearest first. */
function bestPerMember(hits: IndexHit[]): IndexHit[] {
  const best = new Map<string, IndexHit>();
  for (const hit of hits) {
    const known = best.get(hit.memberId);
    if (!known || hit.distance < known.distance) best.set(hit.memberId, hit);
  }
  return [...best.values()].sort((a, b) => a.distance - b.distance);
}
