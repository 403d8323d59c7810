import { createHash, randomUUID } from 'node:crypto';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { CampaignEngine } from '../loyalty/campaignEngine.js';
import { euclideanDistance, type FaceIndex, type IndexHit } from '../../../index/faceIndex.js';
import type { FacePipeline } from '../../../models/facePipeline.js';
import type { QualityPolicy } from './quality.js';
import type { Box, ModelInfo } from '../../../models/types.js';
import { facePhotoKey, photoExtension, type BlobStore } from '../../blob/blobStore.js';
import { IMAGE_FORMATS } from '../../../models/imageFormats.js';
import { withTransaction, type Pool, type Queryable } from '../../db/pool.js';
import { consentRequired, faceAlreadyEnrolled, faceNotFound, memberNotFound, photoStoreUnavailable, spoofSuspected } from '../errors.js';
import type { LivenessPolicy } from '../liveness/livenessPolicy.js';
import type { FaceTemplate, FaceTemplateRepository, NewFaceTemplate } from '../../repositories/faceTemplateRepository.js';
import type { Member, MemberRepository } from '../../repositories/memberRepository.js';
import type { PendingBlobDeletionRepository } from '../../repositories/pendingBlobDeletionRepository.js';
import { dominantFace } from './dominantFace.js';
import { analyzeWhenReady, readyModel, requireMember, requireQuality } from './faceAnalysis.js';
import { roundDistance, type QualityView } from './faceView.js';
import type { MatchRule } from '../recognition/matchRule.js';
import type { PartitionThresholds } from '../recognition/partitionThresholds.js';
import type { ServedIndex } from '../recognition/servedIndex.js';
import type { PhotoEraser } from './photoEraser.js';


export interface EnrolledFace {
  faceId: string;
  memberId: string;
  box: Box;
  quality: QualityView;
  model: { name: string; version: string };
  createdAt: string;
}



export interface FaceServiceDeps {
  pool: Pool;
  pipeline: FacePipeline;
  index: FaceIndex;
  members: MemberRepository;
  templates: FaceTemplateRepository;
  pendingDeletions: PendingBlobDeletionRepository;
  blobs: BlobStore;
  photoEraser: PhotoEraser;
  /** Keep enrollment photos (STORE_ENROLLMENT_PHOTOS); without them re-indexing is impossible. */
  storePhotos: boolean;
  rule: MatchRule;
  enrollPolicy: QualityPolicy;
  /** Set when enrollment must prove a live face (ENROLL_LIVENESS=required). */
  enrollLiveness?: LivenessPolicy;
  /** Whether this replica holds a member (a replica serving some malls holds only their regulars). */
  served: Pick<ServedIndex, 'holds' | 'holdsGroup'>;
  /** The measured false-match curve: the double-enrollment refusal holds its false refusals to a budget at the group's size. */
  thresholds: Pick<PartitionThresholds, 'forSize' | 'strictest'>;
  /** The enrollment campaigns, applied when a member's first face is stored. */
  campaigns: Pick<CampaignEngine, 'onFirstFace'>;
  logger: Logger;
}

/** The expected share of distinct people refused as FACE_ALREADY_ENROLLED at the group's size, at most. */
const FALSE_REFUSAL_BUDGET = 0.001;

/** Enrollment and removal of faces (identification is identificationService.ts). */
export class FaceService {
  private readonly enrollments = new PQueue({ concurrency: 1 });

  constructor(private readonly deps: FaceServiceDeps) {}

  private model(): ModelInfo {
    return readyModel(this.deps.pipeline);
  }

  /** Everything an enrollment checks, short of writing: consent, one dominant face, its quality. */
  private async prepareEnrollment(memberId: string, bytes: Buffer) {
    const member = await requireMember(this.deps.members, memberId);
    if (!member.consent.faceRecognition) {
      throw consentRequired();
    }
    const { enrollLiveness } = this.deps;
    const image = await analyzeWhenReady(this.deps.pipeline, bytes, { liveness: enrollLiveness !== undefined, lane: 'enroll' });
    const face = dominantFace(image);
    const quality = requireQuality(face, this.deps.enrollPolicy, 'enroll');
    // A self-enrollment kiosk (ENROLL_LIVENESS=required): a photo held up enrolls nobody.
    const liveness = enrollLiveness?.judge(face.livenessScore);
    if (liveness && !liveness.live) throw spoofSuspected(liveness.score);
    return { image, face, quality, member };
  }

  /**
   * Refuses a face that the 1:N rule calls another member's: among the templates this replica
   * holds (the whole group, or its malls' regulars) and, on a replica serving some malls, among
   * the members sharing the phone's last four digits (read from PostgreSQL). Past that, the
   * background sweep compares new templates group-wide (service/domain/recognition/duplicates.ts).
   */
  private async refuseIfEnrolledElsewhere(descriptor: ArrayLike<number>, member: Member): Promise<void> {
    const other = this.enrolledElsewhere(descriptor, member.id) ?? (await this.enrolledInPhoneBucket(descriptor, member));
    if (other) {
      throw faceAlreadyEnrolled({
        distance: roundDistance(other.distance),
        similarity: this.deps.rule.metric === 'cosine' ? this.deps.rule.score(other.distance) : undefined,
      });
    }
  }

  /** The verdict an enrollment would get (the console shows it before saving); nothing is written. */
  async checkEnrollment(memberId: string, bytes: Buffer): Promise<{ accepted: true; box: Box; quality: QualityView }> {
    this.model();
    const { face, quality, member } = await this.prepareEnrollment(memberId, bytes);
    await this.refuseIfEnrolledElsewhere(face.descriptor, member);
    return { accepted: true, box: face.box, quality };
  }

  /** Enrolls a photo; the same photo for the same member again returns the first enrollment (`repeated`). */
  async enrollFace(memberId: string, bytes: Buffer): Promise<EnrolledFace & { repeated: boolean }> {
    this.model();
    const photoDigest = createHash('sha256').update(bytes).digest();
    const earlier = await this.deps.templates.findByDigest(memberId, photoDigest);
    if (earlier) return { ...this.enrolledView(earlier), repeated: true };
    const { image, face, quality, member } = await this.prepareEnrollment(memberId, bytes);
    return this.enrollments.add(async () => {
      await this.refuseIfEnrolledElsewhere(face.descriptor, member);
      const faceId = randomUUID();
      const photoKey = this.deps.storePhotos ? facePhotoKey(memberId, faceId, photoExtension(image.format)) : null;
      if (photoKey) {
        // Owe the photo's erasure before writing it; the template's transaction cancels the debt.
        // A crash in between leaves the debt, and the sweeper removes the orphaned photo.
        await this.deps.pendingDeletions.add(photoKey);
        await this.putPhoto(photoKey, await this.deps.pipeline.photoForStorage(bytes, image.format), IMAGE_FORMATS[image.format].mediaType);
      }
      let stored: { template: FaceTemplate; repeated: boolean };
      try {
        stored = await withTransaction(this.deps.pool, async (tx) => {
          // Holding the member row keeps a concurrent purge from slipping between check and insert.
          const locked = await this.deps.members.lockForUpdate(memberId, tx);
          if (!locked) throw memberNotFound(memberId);
          const again = await this.deps.templates.findByDigest(memberId, photoDigest, tx);
          if (again) return { template: again, repeated: true }; // enrolled by a concurrent request
          // The entry is gone only if the sweeper erased the photo meanwhile (an enrollment slower
          // than PHOTO_SWEEP_GRACE_SECONDS): write it again, so no template points at nothing.
          if (photoKey && !(await this.deps.pendingDeletions.remove(photoKey, tx))) {
            await this.putPhoto(photoKey, await this.deps.pipeline.photoForStorage(bytes, image.format), IMAGE_FORMATS[image.format].mediaType);
          }
          const template = await this.insertTemplate({ id: faceId, memberId, descriptor: face.descriptor, box: face.box, quality, photoKey, photoDigest }, tx);
          // A member's first face is their card from now on: the enrollment campaigns, in this transaction.
          if (locked.kind === 'member' && (await this.deps.templates.listByMember(memberId, tx)).length === 1) await this.deps.campaigns.onFirstFace(locked, tx);
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
      if (this.deps.served.holds(memberId)) this.deps.index.add({ label: stored.template.label, templateId: stored.template.id, memberId }, face.descriptor);
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

  /** Another member sharing the phone's last four digits whose face this is (a replica that does not hold the group). */
  private async enrolledInPhoneBucket(descriptor: ArrayLike<number>, member: Member): Promise<IndexHit | undefined> {
    if (this.deps.served.holdsGroup) return undefined; // the index is the whole group: already searched
    const digits = member.phone?.replace(/\D/g, '');
    if (!digits || digits.length < 4) return undefined;
    const bucket = await this.deps.templates.forSecondFactor({ last4: digits.slice(-4) }, this.model());
    const hits = bucket.map((t) => ({ label: t.label, templateId: t.id, memberId: t.memberId, distance: euclideanDistance(descriptor, t.descriptor) }));
    return this.deps.rule.sameAsOtherMember(hits.sort((a, b) => a.distance - b.distance), member.id);
  }

  /**
   * Another member's template close enough to refuse this enrollment as a double one. The bar is
   * MATCH_THRESHOLD while the group is small; as it grows, a new person's face lands within it of
   * *someone* more and more often, so the bar tightens until the expected false refusals stay
   * under FALSE_REFUSAL_BUDGET at the group's size (the measured false-match curve). A real
   * duplicate scores far above it; one between the two bars is enrolled and the duplicate sweep
   * lists it for an operator (Duplicates, whose bar is looser).
   */
  private enrolledElsewhere(descriptor: ArrayLike<number>, memberId?: string): IndexHit | undefined {
    const { index, rule, thresholds } = this.deps;
    const bar = thresholds.forSize(index.size, FALSE_REFUSAL_BUDGET, rule.thresholds.match) ?? thresholds.strictest(index.size);
    return rule.sameAsOtherMember(index.search(descriptor, 8), memberId, bar?.threshold);
  }

  /** A visitor is not created within MATCH_THRESHOLD of any member: while a member could be it, it stays unknown. */
  private visitorOfMember(descriptor: ArrayLike<number>): IndexHit | undefined {
    return this.deps.rule.sameAsOtherMember(this.deps.index.search(descriptor, 8));
  }

  private insertTemplate(template: Omit<NewFaceTemplate, 'modelName' | 'modelVersion'>, tx: Queryable): Promise<FaceTemplate> {
    const model = this.model();
    return this.deps.templates.insert({ ...template, modelName: model.name, modelVersion: model.version }, tx);
  }

  /**
   * Creates a member together with its first face from a descriptor (an anonymous visitor seen
   * by the cameras; no photo is kept), unless the face already belongs to someone: then that
   * member's id comes back and nothing is created.
   */
  async createMemberWithFace(
    newMember: (tx: Queryable) => Promise<Member>,
    face: { descriptor: number[]; box: Box; quality: QualityView },
  ): Promise<{ member: Member; created: boolean }> {
    // A visitor's template is the mean of its sightings: put it in the model's canonical form.
    const descriptor = this.deps.rule.canonical(face.descriptor);
    if (!descriptor) throw new Error('a visitor descriptor of zeros');
    face = { ...face, descriptor };
    return this.enrollments.add(async () => {
      const existing = this.visitorOfMember(face.descriptor);
      if (existing) {
        const member = await this.deps.members.findById(existing.memberId);
        if (member) return { member, created: false };
      }
      const { member, template } = await withTransaction(this.deps.pool, async (tx) => {
        const member = await newMember(tx);
        const template = await this.insertTemplate({ id: randomUUID(), memberId: member.id, ...face, photoKey: null }, tx);
        return { member, template };
      });
      if (this.deps.served.holds(member.id)) this.deps.index.add({ label: template.label, templateId: template.id, memberId: member.id }, face.descriptor);
      return { member, created: true };
    });
  }

  private async putPhoto(key: string, bytes: Buffer, contentType: string): Promise<void> {
    try {
      await this.deps.blobs.put(key, bytes, contentType);
    } catch (error) {
      this.deps.logger.error({ err: error, store: this.deps.blobs.kind }, 'blob store write failed');
      throw photoStoreUnavailable();
    }
  }

  /** Removes one template: row, index entry and photo. */
  async deleteFace(memberId: string, faceId: string): Promise<void> {
    const removed = await withTransaction(this.deps.pool, async (tx) => {
      if (!(await this.deps.members.lockForUpdate(memberId, tx))) {
        throw memberNotFound(memberId);
      }
      const template = await this.deps.templates.deleteOne(memberId, faceId, tx);
      if (!template) throw faceNotFound(memberId, faceId);
      // A re-indexed copy of the template shares its photo: the photo goes with the last of them.
      const eraseKey = template.photoKey && !(await this.deps.templates.photoShared(template.photoKey, template.id, tx)) ? template.photoKey : null;
      if (eraseKey) await this.deps.pendingDeletions.add(eraseKey, tx);
      return { template, eraseKey };
    });
    this.deps.index.remove(removed.template.label);
    if (removed.eraseKey) await this.deps.photoEraser.erase(removed.eraseKey);
  }
}
