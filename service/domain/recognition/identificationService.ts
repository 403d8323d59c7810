import type { FaceIndex, IndexHit } from '../../../index/faceIndex.js';
import type { FacePipeline } from '../../../models/facePipeline.js';
import { judgeQuality, type QualityPolicy } from '../faces/quality.js';
import type { Box, DetectedFace } from '../../../models/types.js';
import { isDatabaseUnavailable } from '../../db/pool.js';
import { invalidInput, livenessNeedsPhoto, noFace, noFaceToVerifyAgainst } from '../errors.js';
import type { Lane } from '../../../models/laneScheduler.js';
import type { KnownFace } from '../../../models/knownFaces.js';
import type { AdaptiveTemplates } from '../faces/adaptiveTemplates.js';
import type { LivenessPolicy, LivenessVerdict } from '../liveness/livenessPolicy.js';
import type { LivenessSessions } from '../liveness/livenessSessions.js';
import type { Member, MemberRepository } from '../../repositories/memberRepository.js';
import { analyzeWhenReady, requireMember, requireQuality } from '../faces/faceAnalysis.js';
import { cosineSimilarity, type MatchRule, type UnknownReason } from './matchRule.js';
import { qualityView, roundDistance, type QualityView } from '../faces/faceView.js';
import type { MemberProfile, ProfileService } from '../members/profileService.js';
import { DEFAULT_MALL } from './mallPartitions.js';
import type { PartitionSearch } from './partitionSearch.js';
import type { Recognitions, SecondFactor, TillContext } from './recognitions.js';
import type { OfferService, Offers } from '../loyalty/offers.js';
import { faceOutcome, type FaceSource, type RecognitionObserver } from '../shared/recognitionObserver.js';

export interface Match {
  memberId: string;
  faceId: string;
  distance: number;
  similarity: number;
  /** Set when the face was found in one of the mall's partitions (those seen today, regulars) under its own threshold. */
  via?: 'seen-today' | 'regulars' | 'second-factor';
}

export interface IdentifiedFace {
  box?: Box;
  quality?: QualityView;
  match: Match | null;
  member?: Member;
  profile?: MemberProfile;
  /** True when PostgreSQL is down: the match comes from the in-memory index, without the member's details. */
  profileUnavailable?: boolean;
  /** Why the face is unknown (match null). */
  unknownReason?: UnknownReason;
  /** The passive liveness verdict, when the request required one. */
  liveness?: LivenessVerdict;
  /** At a till: the single-use id naming this face as seen there (RECOGNITION_TTL_SECONDS). */
  recognitionId?: string;
  /** At a till, for a member: their usable coupons (best first) and the campaigns that would apply. */
  offers?: Offers;
}

/** Where an identification happens, and how strict it may be. */
export interface IdentifyOptions {
  /** A stricter threshold than the partitions' (model scale). */
  threshold?: number;
  /** The mall whose partitions are searched (default: the default mall; a till's is its key's). */
  mallId?: string;
  /** The till asking: its faces are named by single-use recognitions. */
  till?: TillContext;
  /** At a till: read each member's offers (default true). */
  offers?: boolean;
}

/** One face of an analysed image with its nearest member, before any member is read. */
export interface FaceMatch {
  face: DetectedFace;
  quality: QualityView;
  /** Null when unknown, or when the face was too poor to try (quality.ok false). */
  match: Match | null;
  unknownReason?: UnknownReason;
  liveness?: LivenessVerdict;
}

export interface IdentificationServiceDeps {
  pipeline: FacePipeline;
  index: FaceIndex;
  members: MemberRepository;
  profiles: ProfileService;
  /** The mall's partitions, then the group, each at the threshold its size allows. */
  search: PartitionSearch;
  rule: MatchRule;
  identifyPolicy: QualityPolicy;
  liveness: LivenessPolicy;
  livenessSessions: LivenessSessions;
  recognitions: Recognitions;
  offers: Pick<OfferService, 'at'>;
  /** Clear till recognitions may teach the member's templates (AdaptiveTemplates). */
  adaptation: Pick<AdaptiveTemplates, 'offerTill'>;
  observer: RecognitionObserver;
}

/** The till whose offers an identification reads (none when it asked for none). */
const offersAt = (options: IdentifyOptions): TillContext | undefined => (options.offers === false ? undefined : options.till);

/** 1:N identification (with the member's profile for a till) and 1:1 verification of faces. */
export class IdentificationService {
  constructor(private readonly deps: IdentificationServiceDeps) {}

  /** The checked threshold: a request may ask for a stricter one, never a looser one. */
  private threshold(requested: number | undefined, configured: number): number {
    return this.deps.rule.requested(requested, configured);
  }

  private toMatch(hit: IndexHit, probe: ArrayLike<number>): Match {
    return { memberId: hit.memberId, faceId: hit.templateId, distance: roundDistance(hit.distance), similarity: this.similarity(hit, probe) };
  }

  /** Cosine similarity of the probe and the template (exact from the distance for unit-length models). */
  private similarity(hit: IndexHit, probe: ArrayLike<number>): number {
    const { rule, index } = this.deps;
    if (rule.metric === 'cosine') return rule.score(hit.distance);
    return Number(cosineSimilarity(probe, index.descriptorOf(hit.label) ?? []).toFixed(4));
  }

  /** The faces of an image (largest first) with their quality (and liveness, when asked), not yet searched; a face of `known` (a camera's track) comes undescribed, with `knownAs`. */
  async judgedFaces(bytes: Buffer, options: { maxFaces?: number; liveness?: boolean; lane?: Lane; known?: KnownFace[] }) {
    const image = await analyzeWhenReady(this.deps.pipeline, bytes, { liveness: options.liveness, lane: options.lane ?? 'pos', known: options.known });
    return image.faces.slice(0, options.maxFaces ?? image.faces.length).map((face) => {
      const verdict = judgeQuality(face.measures, this.deps.identifyPolicy);
      return {
        face,
        quality: qualityView(face.measures, verdict),
        liveness: options.liveness ? this.deps.liveness.judge(face.livenessScore) : undefined,
      };
    });
  }

  /**
   * Every face of the image (largest first) with its member at a mall (its partitions first, the
   * group while its size allows); poor faces are never matched.
   */
  async matchFaces(bytes: Buffer, options: { maxFaces?: number; threshold?: number; liveness?: boolean; lane?: Lane; mallId?: string }): Promise<FaceMatch[]> {
    const requested = options.threshold === undefined ? undefined : this.threshold(options.threshold, this.deps.rule.thresholds.match);
    const judged = await this.judgedFaces(bytes, options);
    return Promise.all(
      judged.map(async ({ face, quality, liveness }): Promise<FaceMatch> => {
        // A face that may be a photo or a screen held up to the camera is never matched …
        if (liveness && !liveness.live) return { face, quality, match: null, unknownReason: 'spoof_suspected', liveness };
        // … nor one too poor to trust: "unknown" is the safe answer at a till.
        if (!quality.ok) return { face, quality, match: null, unknownReason: 'low_quality', ...(liveness ? { liveness } : {}) };
        return { face, quality, ...(await this.nearestMatch(face.descriptor, options.mallId, requested)), ...(liveness ? { liveness } : {}) };
      }),
    );
  }

  /** Identification with what a cashier needs: the member and their profile for each known face. */
  async identify(bytes: Buffer, options: IdentifyOptions & { maxFaces?: number; liveness?: boolean }): Promise<IdentifiedFace[]> {
    const faces = await this.matchFaces(bytes, { ...options, mallId: options.till?.mallId ?? options.mallId });
    const answered = this.observed('identify', await this.answer(faces, options));
    if (options.till) await this.deps.adaptation.offerTill(faces, options.till.keyId, { required: options.liveness === true });
    return answered;
  }

  /**
   * Identification bound to a passed challenge session: the photo's largest face must be the face
   * the session saw; the session is used up (single use) before anything about the face is told.
   */
  async identifyWithSession(bytes: Buffer, sessionId: string, options: IdentifyOptions): Promise<IdentifiedFace[]> {
    const [found] = await this.matchFaces(bytes, { ...options, maxFaces: 1, mallId: options.till?.mallId ?? options.mallId });
    if (!found) throw noFace();
    await this.deps.livenessSessions.consume(sessionId, found.face.descriptor);
    const answered = this.observed('identify', await this.answer([found], options, true));
    if (options.till) await this.deps.adaptation.offerTill([found], options.till.keyId, { required: true, passedBySession: true });
    return answered;
  }

  async identifyDescriptor(given: number[], options: IdentifyOptions & { liveness?: boolean }): Promise<IdentifiedFace[]> {
    // A descriptor carries no pixels to judge: where liveness is required, only a photo will do.
    if (options.liveness) throw livenessNeedsPhoto();
    const requested = options.threshold === undefined ? undefined : this.threshold(options.threshold, this.deps.rule.thresholds.match);
    const descriptor = this.checkedDescriptor(given);
    const found = await this.nearestMatch(descriptor, options.till?.mallId ?? options.mallId, requested);
    const [recognitionId] = options.till ? await this.deps.recognitions.mint(options.till, [{ descriptor, memberId: found.match?.memberId ?? null, via: found.match?.via ?? null, liveness: null }]) : [];
    return this.observed('identify', [{ ...(await this.withCard(found.match, found.unknownReason, offersAt(options))), ...(recognitionId ? { recognitionId } : {}) }]);
  }

  /** Reports each face's outcome (the metrics), and passes the answer on. */
  private observed<T extends { match: Match | null; unknownReason?: string }>(source: FaceSource, faces: T[]): T[] {
    for (const face of faces) this.deps.observer.faceDecided(source, faceOutcome(face));
    return faces;
  }

  /**
   * The answer of each face: its member's card, and at a till the single-use recognition that
   * names the face as it was seen there (what a second factor or a redemption refers to).
   */
  private async answer(faces: FaceMatch[], options: IdentifyOptions, livenessSession = false): Promise<IdentifiedFace[]> {
    const { till } = options;
    const ids = till
      ? await this.deps.recognitions.mint(
          till,
          faces.map(({ face, match, liveness }) => ({ descriptor: face.descriptor, memberId: match?.memberId ?? null, via: match?.via ?? null, liveness: livenessSession ? true : (liveness?.live ?? null) })),
        )
      : [];
    return Promise.all(
      faces.map(async ({ face, quality, match, unknownReason, liveness }, i) => ({
        box: face.box,
        quality,
        ...(liveness ? { liveness } : {}),
        ...(await this.withCard(match, unknownReason, offersAt(options))),
        ...(ids[i] ? { recognitionId: ids[i] } : {}),
      })),
    );
  }

  /**
   * A descriptor sent by a client, in the running model's shape: its length, and unit length for
   * a cosine model (the index's distances are only cosine-exact for unit vectors).
   */
  private checkedDescriptor(given: number[]): number[] {
    const { dimension } = this.deps.index;
    if (given.length !== dimension) {
      throw invalidInput(`descriptor must have ${dimension} numbers (the running face model's), not ${given.length}`);
    }
    const canonical = this.deps.rule.canonical(given);
    if (!canonical) throw invalidInput('descriptor must not be all zeros');
    return canonical;
  }

  /** How each mall is searched: partitions, thresholds, expected FPIR. */
  partitionReport(mallIds: readonly string[]) {
    return this.deps.search.report(mallIds);
  }

  /**
   * A second factor for a face a till saw (its recognition): the member among those with these
   * phone digits, answered like identify.
   */
  async secondFactor(till: TillContext, recognitionId: string, factor: SecondFactor): Promise<{ faces: IdentifiedFace[]; triesLeft: number }> {
    const outcome = await this.deps.recognitions.secondFactor(till, recognitionId, factor);
    const match: Match | null = outcome.hit
      ? { memberId: outcome.hit.memberId, faceId: outcome.hit.templateId, distance: roundDistance(outcome.hit.distance), similarity: outcome.similarity!, via: 'second-factor' }
      : null;
    const face = { ...(await this.withCard(match, outcome.unknownReason, till)), recognitionId: outcome.recognitionId };
    return { faces: this.observed('second_factor', [face]), triesLeft: outcome.triesLeft };
  }

  /** Whether a member still has a face to be recognised by (a camera track's decision outlives neither a purge nor its faces' deletion). */
  stillEnrolled(memberId: string): boolean {
    return this.deps.index.templatesOf(memberId).length > 0;
  }

  /** The member a descriptor is at a mall under the decision rule, or null and why. */
  matchDescriptor(descriptor: ArrayLike<number>, mallId: string): Promise<{ match: Match | null; unknownReason?: UnknownReason }> {
    return this.nearestMatch(descriptor, mallId);
  }

  private async nearestMatch(descriptor: ArrayLike<number>, mallId = DEFAULT_MALL, requested?: number): Promise<{ match: Match | null; unknownReason?: UnknownReason }> {
    const decision = await this.deps.search.decide(descriptor, mallId, requested);
    if (!decision.hit) return { match: null, unknownReason: decision.unknownReason };
    const match = this.toMatch(decision.hit, descriptor);
    return { match: decision.via === 'group' || decision.via === undefined ? match : { ...match, via: decision.via } };
  }

  /** The member's card; at a till also the offers (read beside the card). */
  private async withCard(match: Match | null, unknownReason?: UnknownReason, till?: TillContext): Promise<Pick<IdentifiedFace, 'match' | 'member' | 'profile' | 'profileUnavailable' | 'unknownReason' | 'offers'>> {
    if (!match) return { match: null, unknownReason };
    try {
      const reading = this.deps.profiles.cardOf(match.memberId);
      const [card, offers] = await Promise.all([reading, till ? this.deps.offers.at(till, match.memberId, reading.then((c) => c?.profile)) : undefined]);
      if (!card) return { match: null, unknownReason: 'no_close_member' }; // purged a moment ago
      return { match, ...card, ...(offers ? { offers } : {}) };
    } catch (error) {
      // Identification answers from memory while the database is away; the till still learns who.
      if (isDatabaseUnavailable(error)) return { match, profileUnavailable: true };
      throw error;
    }
  }

  async verify(memberId: string, bytes: Buffer, options: { threshold?: number; liveness?: boolean }) {
    const threshold = this.threshold(options.threshold, this.deps.rule.thresholds.verify);
    await requireMember(this.deps.members, memberId);
    if (this.deps.index.templatesOf(memberId).length === 0) {
      throw noFaceToVerifyAgainst(memberId);
    }
    const image = await analyzeWhenReady(this.deps.pipeline, bytes, { liveness: options.liveness });
    const [face] = image.faces;
    if (!face) throw noFace();
    const quality = requireQuality(face, this.deps.identifyPolicy, 'verify');
    const liveness = options.liveness ? this.deps.liveness.judge(face.livenessScore) : undefined;
    const [best] = this.deps.index.distancesToMember(memberId, face.descriptor);
    // A face that may be a photo or a screen is never the member, however close it is.
    const spoofed = liveness !== undefined && !liveness.live;
    const match = !spoofed && this.deps.rule.verifies(best!.distance, threshold);
    return {
      match,
      similarity: this.similarity(best!, face.descriptor),
      distance: roundDistance(best!.distance),
      threshold,
      faceId: best!.templateId,
      box: face.box,
      quality,
      ...(liveness ? { liveness } : {}),
      ...(spoofed ? { unknownReason: 'spoof_suspected' as const } : {}),
    };
  }
}
