import type { FaceIndex, IndexHit } from '../../index/faceIndex.js';
import type { FacePipeline } from '../../models/facePipeline.js';
import { judgeQuality, type QualityPolicy } from '../../models/quality.js';
import type { Box, DetectedFace } from '../../models/types.js';
import { isDatabaseUnavailable } from '../db/pool.js';
import { AppError } from '../errors.js';
import type { Member, MemberRepository } from '../repositories/memberRepository.js';
import { analyzeWhenReady, requireMember, requireQuality } from './faceAnalysis.js';
import { decide, type UnknownReason } from './decisionRule.js';
import { cosineSimilarity, qualityView, roundDistance, type QualityView } from './faceView.js';
import type { MemberProfile, ProfileService } from './profileService.js';
import { TodaysGallery } from './todaysGallery.js';
import type { TodaysVisitors } from './todaysVisitors.js';

/** Templates read per search: enough to find the best *different* member behind a member's own templates. */
const NEIGHBOURS_FOR_DECISION = 10;

export interface Thresholds {
  /** 1:N identification cut-off (also the double-enrollment check). */
  match: number;
  /** 1:N: how much further the best different member must be (decisionRule.ts). */
  margin: number;
  /** 1:N for the members seen at an entrance camera today, searched first at the till. */
  today: number;
  /** 1:1 verification cut-off. */
  verify: number;
}

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
}

/** One face of an analysed image with its nearest member, before any member is read. */
export interface FaceMatch {
  face: DetectedFace;
  quality: QualityView;
  /** Null when unknown, or when the face was too poor to try (quality.ok false). */
  match: Match | null;
  unknownReason?: UnknownReason;
}

export interface IdentificationServiceDeps {
  pipeline: FacePipeline;
  index: FaceIndex;
  members: MemberRepository;
  profiles: ProfileService;
  todaysVisitors: TodaysVisitors;
  thresholds: Thresholds;
  identifyPolicy: QualityPolicy;
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
    if (requested === undefined) return configured;
    if (requested > configured) {
      throw new AppError('VALIDATION_FAILED', `threshold may only be stricter (lower) than the configured ${configured}`);
    }
    return requested;
  }

  private toMatch(hit: IndexHit, probe: ArrayLike<number>): Match {
    const stored = this.deps.index.descriptorOf(hit.label) ?? [];
    return {
      memberId: hit.memberId,
      faceId: hit.templateId,
      distance: roundDistance(hit.distance),
      similarity: cosineSimilarity(probe, stored),
    };
  }

  /**
   * Every face of the image (largest first) with its member; poor faces are never matched. With
   * `todayFirst` (the till), a face no member of the whole gallery is close to may still be one
   * of today's visitors under their own threshold.
   */
  async matchFaces(bytes: Buffer, options: { maxFaces?: number; threshold?: number; todayFirst?: boolean }): Promise<FaceMatch[]> {
    const threshold = this.threshold(options.threshold, this.deps.thresholds.match);
    const image = await analyzeWhenReady(this.deps.pipeline, bytes);
    return image.faces.slice(0, options.maxFaces ?? image.faces.length).map((face) => {
      const verdict = judgeQuality(face.measures, this.deps.identifyPolicy);
      // A face too poor to trust is never matched: "unknown" is the safe answer at a till.
      const quality = qualityView(face.measures, verdict);
      if (!verdict.ok) return { face, quality, match: null, unknownReason: 'low_quality' as const };
      const found = this.nearestMatch(face.descriptor, threshold);
      if (options.todayFirst && options.threshold === undefined && found.unknownReason === 'no_close_member') {
        const today = this.todaysMatch(face.descriptor);
        if (today) return { face, quality, match: today };
      }
      return { face, quality, ...found };
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
    if (!best || best.distance > this.deps.thresholds.today) return null;
    const rivals = [ranked.find((h) => h.memberId !== best.memberId), this.deps.index.search(descriptor, NEIGHBOURS_FOR_DECISION).find((h) => h.memberId !== best.memberId)];
    const rival = Math.min(...rivals.map((h) => h?.distance ?? Number.POSITIVE_INFINITY));
    return rival - best.distance >= this.deps.thresholds.margin ? { ...this.toMatch(best, descriptor), via: 'todays-visitors' } : null;
  }

  /** Identification with what a cashier needs: the member and their profile for each known face. */
  async identify(bytes: Buffer, options: { maxFaces?: number; threshold?: number }): Promise<IdentifiedFace[]> {
    const faces = await this.matchFaces(bytes, { ...options, todayFirst: true });
    return Promise.all(faces.map(async ({ face, quality, match, unknownReason }) => ({ box: face.box, quality, ...(await this.withCard(match, unknownReason)) })));
  }

  async identifyDescriptor(descriptor: number[], options: { threshold?: number }): Promise<IdentifiedFace[]> {
    const threshold = this.threshold(options.threshold, this.deps.thresholds.match);
    const found = this.nearestMatch(descriptor, threshold);
    const today = options.threshold === undefined && found.unknownReason === 'no_close_member' ? this.todaysMatch(descriptor) : null;
    return [await (today ? this.withCard(today) : this.withCard(found.match, found.unknownReason))];
  }

  /** The member a descriptor is under the configured decision rule, or null. */
  matchDescriptor(descriptor: ArrayLike<number>): Match | null {
    return this.nearestMatch(descriptor, this.deps.thresholds.match).match;
  }

  private nearestMatch(descriptor: ArrayLike<number>, threshold: number): { match: Match | null; unknownReason?: UnknownReason } {
    const decision = decide(this.deps.index.search(descriptor, NEIGHBOURS_FOR_DECISION), threshold, this.deps.thresholds.margin);
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

  async verify(memberId: string, bytes: Buffer, options: { threshold?: number }) {
    const threshold = this.threshold(options.threshold, this.deps.thresholds.verify);
    await requireMember(this.deps.members, memberId);
    if (this.deps.index.templatesOf(memberId).length === 0) {
      throw new AppError('FACE_NOT_FOUND', `member ${memberId} has no enrolled face to verify against`);
    }
    const image = await analyzeWhenReady(this.deps.pipeline, bytes);
    const [face] = image.faces;
    if (!face) throw new AppError('NO_FACE', 'no face was found in the photo');
    const quality = requireQuality(face, this.deps.identifyPolicy, 'verify');
    const [best] = this.deps.index.distancesToMember(memberId, face.descriptor);
    const distance = roundDistance(best!.distance);
    return { match: distance <= threshold, distance, threshold, faceId: best!.templateId, box: face.box, quality };
  }
}
