import type { FaceIndex, IndexHit } from '../../../index/faceIndex.js';
import type { FacePipeline } from '../../../models/facePipeline.js';
import { judgeQuality, type QualityPolicy } from '../../../models/quality.js';
import type { Box, DetectedFace } from '../../../models/types.js';
import { isDatabaseUnavailable } from '../../db/pool.js';
import { invalidInput, livenessNeedsPhoto, noFace, noFaceToVerifyAgainst } from '../errors.js';
import type { Lane } from '../../../models/laneScheduler.js';
import type { LivenessPolicy, LivenessVerdict } from './livenessPolicy.js';
import type { LivenessSessions } from './livenessSessions.js';
import type { Member, MemberRepository } from '../../repositories/memberRepository.js';
import { analyzeWhenReady, requireMember, requireQuality } from './faceAnalysis.js';
import { cosineSimilarity, type MatchRule, type UnknownReason } from './matchRule.js';
import { qualityView, roundDistance, type QualityView } from './faceView.js';
import type { MemberProfile, ProfileService } from '../members/profileService.js';
import { TodaysGallery } from '../mall/todaysGallery.js';
import type { TodaysVisitors } from '../mall/todaysVisitors.js';

/** Templates read per search: enough to find the best *different* member behind a member's own templates. */
const NEIGHBOURS_FOR_DECISION = 10;

export interface Match {
  memberId: string;
  faceId: string;
  distance: number;
  similarity: number;
  /** Set when the face was found among today's visitors under their own threshold. */
  via?: 'todays-visitors';
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
  todaysVisitors: TodaysVisitors;
  rule: MatchRule;
  identifyPolicy: QualityPolicy;
  liveness: LivenessPolicy;
  livenessSessions: LivenessSessions;
}

/** 1:N identification (with the member's profile for a till) and 1:1 verification of faces. */
export class IdentificationService {
  private readonly todaysGallery: TodaysGallery;
  private gallerySynced = { version: -1, size: -1 };

  constructor(private readonly deps: IdentificationServiceDeps) {
    this.todaysGallery = new TodaysGallery(deps.index);
  }

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

  /** The faces of an image (largest first) with their quality (and liveness, when asked), not yet searched. */
  async judgedFaces(bytes: Buffer, options: { maxFaces?: number; liveness?: boolean; lane?: Lane }) {
    const image = await analyzeWhenReady(this.deps.pipeline, bytes, { liveness: options.liveness, lane: options.lane ?? 'pos' });
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
   * Every face of the image (largest first) with its member; poor faces are never matched. With
   * `todayFirst` (the till), a face no member of the whole gallery is close to may still be one
   * of today's visitors under their own threshold.
   */
  async matchFaces(bytes: Buffer, options: { maxFaces?: number; threshold?: number; todayFirst?: boolean; liveness?: boolean; lane?: Lane }): Promise<FaceMatch[]> {
    const threshold = this.threshold(options.threshold, this.deps.rule.thresholds.match);
    return (await this.judgedFaces(bytes, options)).map(({ face, quality, liveness }) => {
      // A face that may be a photo or a screen held up to the camera is never matched …
      if (liveness && !liveness.live) return { face, quality, match: null, unknownReason: 'spoof_suspected' as const, liveness };
      // … nor one too poor to trust: "unknown" is the safe answer at a till.
      if (!quality.ok) return { face, quality, match: null, unknownReason: 'low_quality' as const, ...(liveness ? { liveness } : {}) };
      const found = this.nearestMatch(face.descriptor, threshold);
      if (options.todayFirst && options.threshold === undefined && found.unknownReason === 'no_close_member') {
        const today = this.todaysMatch(face.descriptor);
        if (today) return { face, quality, match: today, ...(liveness ? { liveness } : {}) };
      }
      return { face, quality, ...found, ...(liveness ? { liveness } : {}) };
    });
  }

  /** Today's visitor this face is, under TODAY_MATCH_THRESHOLD and the margin against everyone. */
  private todaysMatch(descriptor: ArrayLike<number>): Match | null {
    const visitors = this.deps.todaysVisitors;
    const day = visitors.list();
    if (day.length === 0) return null;
    // The copy follows the list and the index: re-synced when either may have moved.
    if (this.gallerySynced.version !== visitors.version || this.gallerySynced.size !== this.deps.index.size) {
      this.todaysGallery.sync(day);
      this.gallerySynced = { version: visitors.version, size: this.deps.index.size };
    }
    const ranked = this.todaysGallery.rank(descriptor);
    const best = ranked[0];
    // Most faces end here: only a close enough visitor is worth a second search of the whole gallery.
    if (!best || !this.deps.rule.within(best.distance, this.deps.rule.thresholds.today)) return null;
    const rivals = [ranked.find((h) => h.memberId !== best.memberId), this.deps.index.search(descriptor, NEIGHBOURS_FOR_DECISION).find((h) => h.memberId !== best.memberId)];
    const found = this.deps.rule.decideToday(best, rivals);
    return found ? { ...this.toMatch(found, descriptor), via: 'todays-visitors' } : null;
  }

  /** Identification with what a cashier needs: the member and their profile for each known face. */
  async identify(bytes: Buffer, options: { maxFaces?: number; threshold?: number; liveness?: boolean }): Promise<IdentifiedFace[]> {
    const faces = await this.matchFaces(bytes, { ...options, todayFirst: true });
    return Promise.all(
      faces.map(async ({ face, quality, match, unknownReason, liveness }) => ({
        box: face.box,
        quality,
        ...(liveness ? { liveness } : {}),
        ...(await this.withCard(match, unknownReason)),
      })),
    );
  }

  /**
   * Identification bound to a passed challenge session: the photo's largest face must be the face
   * the session saw; the session is used up (single use) before anything about the face is told.
   */
  async identifyWithSession(bytes: Buffer, sessionId: string, options: { threshold?: number }): Promise<IdentifiedFace[]> {
    const [found] = await this.matchFaces(bytes, { ...options, maxFaces: 1, todayFirst: true });
    if (!found) throw noFace();
    await this.deps.livenessSessions.consume(sessionId, found.face.descriptor);
    return [{ box: found.face.box, quality: found.quality, ...(await this.withCard(found.match, found.unknownReason)) }];
  }

  async identifyDescriptor(given: number[], options: { threshold?: number; liveness?: boolean }): Promise<IdentifiedFace[]> {
    // A descriptor carries no pixels to judge: where liveness is required, only a photo will do.
    if (options.liveness) throw livenessNeedsPhoto();
    const threshold = this.threshold(options.threshold, this.deps.rule.thresholds.match);
    const descriptor = this.checkedDescriptor(given);
    const found = this.nearestMatch(descriptor, threshold);
    const today = options.threshold === undefined && found.unknownReason === 'no_close_member' ? this.todaysMatch(descriptor) : null;
    return [await (today ? this.withCard(today) : this.withCard(found.match, found.unknownReason))];
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

  /** The member a descriptor is under the configured decision rule, or null. */
  matchDescriptor(descriptor: ArrayLike<number>): Match | null {
    return this.nearestMatch(descriptor, this.deps.rule.thresholds.match).match;
  }

  private nearestMatch(descriptor: ArrayLike<number>, threshold: number): { match: Match | null; unknownReason?: UnknownReason } {
    const decision = this.deps.rule.decide(this.deps.index.search(descriptor, NEIGHBOURS_FOR_DECISION), threshold);
    return decision.hit ? { match: this.toMatch(decision.hit, descriptor) } : { match: null, unknownReason: decision.unknownReason };
  }

  private async withCard(match: Match | null, unknownReason?: UnknownReason): Promise<Pick<IdentifiedFace, 'match' | 'member' | 'profile' | 'profileUnavailable' | 'unknownReason'>> {
    if (!match) return { match: null, unknownReason };
    try {
      const card = await this.deps.profiles.cardOf(match.memberId);
      return card ? { match, ...card } : { match: null, unknownReason: 'no_close_member' }; // purged a moment ago
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
