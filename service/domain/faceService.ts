import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FaceIndex, IndexHit } from '../../index/faceIndex.js';
import type { AnalyzedImage, FacePipeline } from '../../models/facePipeline.js';
import { judgeQuality, type QualityPolicy } from '../../models/quality.js';
import type { Box, DetectedFace, ModelInfo } from '../../models/types.js';
import { facePhotoKey, type BlobStore } from '../blob/blobStore.js';
import type { PoolClient } from 'pg';
import { isDatabaseUnavailable, withTransaction, type Pool } from '../db/pool.js';
import { AppError } from '../errors.js';
import type { Member, MemberRepository } from '../repositories/memberRepository.js';
import type { FaceTemplate, FaceTemplateRepository, NewFaceTemplate } from '../repositories/faceTemplateRepository.js';
import type { PendingBlobDeletionRepository } from '../repositories/pendingBlobDeletionRepository.js';
import { decide, type UnknownReason } from './decisionRule.js';
import { dominantFace } from './dominantFace.js';
import type { TodaysVisitors } from './todaysVisitors.js';
import { cosineSimilarity, qualityView, roundDistance, type QualityView } from './faceView.js';
import type { PhotoEraser } from './photoEraser.js';
import type { MemberProfile, ProfileService } from './profileService.js';
import { SerialQueue } from './serialQueue.js';


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

export interface EnrolledFace {
  faceId: string;
  memberId: string;
  box: Box;
  quality: QualityView;
  model: { name: string; version: string };
  createdAt: string;
}

const CONTENT_TYPES = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;
const EXTENSIONS = { jpeg: 'jpg', png: 'png', webp: 'webp' } as const;


export interface FaceServiceDeps {
  pool: Pool;
  pipeline: FacePipeline;
  index: FaceIndex;
  members: MemberRepository;
  templates: FaceTemplateRepository;
  pendingDeletions: PendingBlobDeletionRepository;
  blobs: BlobStore;
  photoEraser: PhotoEraser;
  profiles: ProfileService;
  todaysVisitors: TodaysVisitors;
  /** Keep enrollment photos (STORE_ENROLLMENT_PHOTOS); without them re-indexing is impossible. */
  storePhotos: boolean;
  thresholds: Thresholds;
  enrollPolicy: QualityPolicy;
  identifyPolicy: QualityPolicy;
  logger: Logger;
}

/** Enrollment, 1:N identification and 1:1 verification of faces. */
export class FaceService {
  private readonly enrollments = new SerialQueue();

  constructor(private readonly deps: FaceServiceDeps) {}

  private model(): ModelInfo {
    const info = this.deps.pipeline.modelInfo;
    if (!info) throw new AppError('NOT_READY', 'the face models are still loading');
    return info;
  }

  private async analyze(bytes: Buffer): Promise<AnalyzedImage> {
    this.model();
    return this.deps.pipeline.analyze(bytes);
  }

  private async requireMember(memberId: string): Promise<Member> {
    const member = await this.deps.members.findById(memberId);
    if (!member) throw new AppError('MEMBER_NOT_FOUND', `no member ${memberId}`);
    return member;
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

  /** The face's quality block, or LOW_QUALITY with the reasons when it fails the policy. */
  private requireQuality(face: DetectedFace, policy: QualityPolicy, purpose: string): QualityView {
    const verdict = judgeQuality(face.measures, policy);
    const quality = qualityView(face.measures, verdict);
    if (!verdict.ok) {
      throw new AppError('LOW_QUALITY', `the face is not good enough to ${purpose}: ${verdict.reasons.join(', ')}`, {
        reasons: verdict.reasons,
        quality,
      });
    }
    return quality;
  }

  /** Everything an enrollment checks, short of writing: consent, one dominant face, its quality. */
  private async prepareEnrollment(memberId: string, bytes: Buffer) {
    const member = await this.requireMember(memberId);
    if (!member.consent.faceRecognition) {
      throw new AppError('CONSENT_REQUIRED', 'the member has not consented to face recognition');
    }
    const image = await this.analyze(bytes);
    const face = dominantFace(image);
    const quality = this.requireQuality(face, this.deps.enrollPolicy, 'enroll');
    return { image, face, quality };
  }

  private refuseIfEnrolledElsewhere(descriptor: ArrayLike<number>, memberId: string): void {
    const other = this.enrolledElsewhere(descriptor, memberId);
    if (other) {
      throw new AppError('FACE_ALREADY_ENROLLED', 'this face already belongs to another member', {
        distance: roundDistance(other.distance),
      });
    }
  }

  /** The verdict an enrollment would get (the console shows it before saving); nothing is written. */
  async checkEnrollment(memberId: string, bytes: Buffer): Promise<{ accepted: true; box: Box; quality: QualityView }> {
    this.model();
    const { face, quality } = await this.prepareEnrollment(memberId, bytes);
    this.refuseIfEnrolledElsewhere(face.descriptor, memberId);
    return { accepted: true, box: face.box, quality };
  }

  /** Enrolls a photo; the same photo for the same member again returns the first enrollment (`repeated`). */
  async enrollFace(memberId: string, bytes: Buffer): Promise<EnrolledFace & { repeated: boolean }> {
    this.model();
    const photoDigest = createHash('sha256').update(bytes).digest();
    const earlier = await this.deps.templates.findByDigest(memberId, photoDigest);
    if (earlier) return { ...this.enrolledView(earlier), repeated: true };
    const { image, face, quality } = await this.prepareEnrollment(memberId, bytes);
    return this.enrollments.run(async () => {
      this.refuseIfEnrolledElsewhere(face.descriptor, memberId);
      const faceId = randomUUID();
      const photoKey = this.deps.storePhotos ? facePhotoKey(memberId, faceId, EXTENSIONS[image.format]) : null;
      if (photoKey) {
        // Owe the photo's erasure before writing it; the template's transaction cancels the debt.
        // A crash in between leaves the debt, and the sweeper removes the orphaned photo.
        await this.deps.pendingDeletions.add(photoKey);
        await this.putPhoto(photoKey, await this.deps.pipeline.photoForStorage(bytes, image.format), CONTENT_TYPES[image.format]);
      }
      let stored: { template: FaceTemplate; repeated: boolean };
      try {
        stored = await withTransaction(this.deps.pool, async (tx) => {
          // Holding the member row keeps a concurrent purge from slipping between check and insert.
          if (!(await this.deps.members.lockForUpdate(memberId, tx))) {
            throw new AppError('MEMBER_NOT_FOUND', `no member ${memberId}`);
          }
          const again = await this.deps.templates.findByDigest(memberId, photoDigest, tx);
          if (again) return { template: again, repeated: true }; // enrolled by a concurrent request
          if (photoKey) await this.deps.pendingDeletions.remove(photoKey, tx);
          const template = await this.insertTemplate({ id: faceId, memberId, descriptor: face.descriptor, box: face.box, quality, photoKey, photoDigest }, tx);
          return { template, repeated: false };
        });
      } catch (error) {
        // The photo was written but its row was not: its erasure is still owed (recorded above).
        if (photoKey) await this.deps.photoEraser.erase(photoKey);
        throw error;
      }
      if (stored.repeated) {
        if (photoKey) await this.deps.photoEraser.erase(photoKey);
        return { ...this.enrolledView(stored.template), repeated: true };
      }
      this.deps.index.add({ label: stored.template.label, templateId: stored.template.id, memberId }, face.descriptor);
      return { ...this.enrolledView(stored.template), repeated: false };
    });
  }

  private enrolledView(template: FaceTemplate): EnrolledFace {
    return {
      faceId: template.id,
      memberId: template.memberId,
      box: template.box,
      quality: template.quality as unknown as QualityView,
      model: { name: template.modelName, version: template.modelVersion },
      createdAt: template.createdAt,
    };
  }

  /** The nearest template of a member other than `memberId` within the match threshold. */
  private enrolledElsewhere(descriptor: ArrayLike<number>, memberId?: string): IndexHit | undefined {
    return this.deps.index.search(descriptor, 8).find((hit) => hit.memberId !== memberId && hit.distance <= this.deps.thresholds.match);
  }

  private insertTemplate(template: Omit<NewFaceTemplate, 'modelName' | 'modelVersion'>, tx: PoolClient): Promise<FaceTemplate> {
    const model = this.model();
    return this.deps.templates.insert({ ...template, modelName: model.name, modelVersion: model.version }, tx);
  }

  /**
   * Creates a member together with its first face from a descriptor (an anonymous visitor seen
   * by the cameras; no photo is kept), unless the face already belongs to someone: then that
   * member's id comes back and nothing is created.
   */
  async createMemberWithFace(
    newMember: (tx: PoolClient) => Promise<Member>,
    face: { descriptor: number[]; box: Box; quality: QualityView },
  ): Promise<{ member: Member; created: boolean }> {
    return this.enrollments.run(async () => {
      const existing = this.enrolledElsewhere(face.descriptor);
      if (existing) {
        const member = await this.deps.members.findById(existing.memberId);
        if (member) return { member, created: false };
      }
      const { member, template } = await withTransaction(this.deps.pool, async (tx) => {
        const member = await newMember(tx);
        const template = await this.insertTemplate({ id: randomUUID(), memberId: member.id, ...face, photoKey: null }, tx);
        return { member, template };
      });
      this.deps.index.add({ label: template.label, templateId: template.id, memberId: member.id }, face.descriptor);
      return { member, created: true };
    });
  }

  private async putPhoto(key: string, bytes: Buffer, contentType: string): Promise<void> {
    try {
      await this.deps.blobs.put(key, bytes, contentType);
    } catch (error) {
      this.deps.logger.error({ err: error, store: this.deps.blobs.kind }, 'blob store write failed');
      throw new AppError('DEPENDENCY_UNAVAILABLE', 'the photo store is not available; try again shortly');
    }
  }

  /** Removes one template: row, index entry and photo. */
  async deleteFace(memberId: string, faceId: string): Promise<void> {
    const removed = await withTransaction(this.deps.pool, async (tx) => {
      if (!(await this.deps.members.lockForUpdate(memberId, tx))) {
        throw new AppError('MEMBER_NOT_FOUND', `no member ${memberId}`);
      }
      const template = await this.deps.templates.deleteOne(memberId, faceId, tx);
      if (!template) throw new AppError('FACE_NOT_FOUND', `member ${memberId} has no face ${faceId}`);
      // A re-indexed copy of the template shares its photo: the photo goes with the last of them.
      const eraseKey = template.photoKey && !(await this.deps.templates.photoShared(template.photoKey, template.id, tx)) ? template.photoKey : null;
      if (eraseKey) await this.deps.pendingDeletions.add(eraseKey, tx);
      return { template, eraseKey };
    });
    this.deps.index.remove(removed.template.label);
    if (removed.eraseKey) await this.deps.photoEraser.erase(removed.eraseKey);
  }

  /**
   * Every face of the image (largest first) with its member; poor faces are never matched. With
   * `todayFirst` (the till), a face no member of the whole gallery is close to may still be one
   * of today's visitors under their own threshold.
   */
  async matchFaces(bytes: Buffer, options: { maxFaces?: number; threshold?: number; todayFirst?: boolean }): Promise<FaceMatch[]> {
    const threshold = this.threshold(options.threshold, this.deps.thresholds.match);
    const image = await this.analyze(bytes);
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
    const ranked = this.deps.todaysVisitors
      .list()
      .map((memberId) => this.deps.index.distancesToMember(memberId, descriptor)[0])
      .filter((hit): hit is IndexHit => hit !== undefined)
      .sort((a, b) => a.distance - b.distance);
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
    await this.requireMember(memberId);
    if (this.deps.index.templatesOf(memberId).length === 0) {
      throw new AppError('FACE_NOT_FOUND', `member ${memberId} has no enrolled face to verify against`);
    }
    const image = await this.analyze(bytes);
    const [face] = image.faces;
    if (!face) throw new AppError('NO_FACE', 'no face was found in the photo');
    const quality = this.requireQuality(face, this.deps.identifyPolicy, 'verify');
    const [best] = this.deps.index.distancesToMember(memberId, face.descriptor);
    const distance = roundDistance(best!.distance);
    return { match: distance <= threshold, distance, threshold, faceId: best!.templateId, box: face.box, quality };
  }
}
