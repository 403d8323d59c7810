import type { FaceIndex } from '../../../index/faceIndex.js';
import { memberPhotoPrefix } from '../../blob/blobStore.js';
import { withTransaction, type Pool, type Queryable } from '../../db/pool.js';
import type { Outbox } from '../events/outbox.js';
import { externalIdAlreadyRegistered, invalidInput, mallNotFound, memberNotFound, notAVisitor, phoneAlreadyRegistered } from '../errors.js';
import type { ConsentRepository } from '../../repositories/consentRepository.js';
import type { FaceTemplate, FaceTemplateRepository } from '../../repositories/faceTemplateRepository.js';
import type { RecognitionRepository } from '../../repositories/recognitionRepository.js';
import type { MallCountsRepository } from '../../repositories/mallCountsRepository.js';
import type { SaleRepository } from '../../repositories/saleRepository.js';
import { MemberConflict, type Member, type MemberLookup, type MemberPatch, type MemberRepository, type NewMember } from '../../repositories/memberRepository.js';
import type { Page, PageCursor } from '../../repositories/pageCursor.js';
import type { PendingBlobDeletionRepository } from '../../repositories/pendingBlobDeletionRepository.js';
import type { PurchaseRepository } from '../../repositories/purchaseRepository.js';
import type { VisitRepository } from '../../repositories/visitRepository.js';
import type { Tier } from './loyalty.js';
import type { PhotoEraser } from '../faces/photoEraser.js';
import type { FaceService } from '../faces/faceService.js';
import type { QualityView } from '../faces/faceView.js';
import type { Box } from '../../../models/types.js';
import type { Clock } from '../shared/clock.js';
import type { MemberProfile, ProfileService } from './profileService.js';
import type { MallPartitions } from '../recognition/mallPartitions.js';
import type { DuplicateRepository } from '../../repositories/duplicateRepository.js';

export interface MemberWithFaces extends Member {
  faceCount: number;
  profile: MemberProfile;
}

/** What turns a visitor into a full member: a cloud id (phone or external id) and consent. */
/** A level the member holds in a partner programme: the tier it maps to is their floor from day one. */
export interface PartnerLevel {
  partnerId: string;
  level: string;
}

export interface Conversion {
  name?: string;
  phone?: string;
  externalIds?: Record<string, string>;
  consent: { faceRecognition: boolean; source: string; textVersion?: string };
  partnerLevel?: PartnerLevel;
}

/** Members returned by one search at most. */
const FIND_LIMIT = 50;

export interface PurgeResult {
  faces: number;
  images: number;
  events: number;
  /** True when the photo store was unreachable: the sweeper finishes the erasure. */
  imageErasurePending: boolean;
}

export interface MemberServiceDeps {
  pool: Pool;
  index: FaceIndex;
  members: MemberRepository;
  templates: FaceTemplateRepository;
  pendingDeletions: PendingBlobDeletionRepository;
  visits: VisitRepository;
  purchases: PurchaseRepository;
  profiles: ProfileService;
  photoEraser: PhotoEraser;
  outbox: Outbox;
  /** A member is a regular of their home mall from the start (this replica at once, the others at their next read). */
  partitions: MallPartitions;
  /** Suspected double enrollments: a purged member leaves none behind. */
  duplicates: DuplicateRepository;
  /** Consent records, appended in the transaction of the change. */
  consents: ConsentRepository;
  /** A withdrawn consent also drops the descriptors of the member's live till recognitions. */
  recognitions: Pick<RecognitionRepository, 'forgetDescriptorsOf'>;
  /** Destroys a member's data key (crypto-shredding: every older copy of their faces and photos stops opening). */
  keys: { shred(memberId: string): Promise<boolean> };
  tiers: readonly Tier[];
  /** Stores a new member's first face in the member's transaction (visitors: the face a camera followed). */
  faces: Pick<FaceService, 'createMemberWithFace'>;
  /** Visitors not converted within this many days are purged (VISITOR_TTL_DAYS). */
  visitorTtlDays: number;
  /** A purged member's sales stay, as anonymous ones. */
  sales: Pick<SaleRepository, 'forgetMember'>;
  /** The tier a partner programme's level maps to (PARTNER_NOT_FOUND, or VALIDATION_FAILED for a level it has not). */
  partnerTiers: { tierForLevel(level: PartnerLevel): Promise<string> };
  /** The dashboard's counts of members and visitors who joined, converted and left, by home mall. */
  counts: Pick<MallCountsRepository, 'add'>;
  clock: Clock;
}

/** A member write as the domain answers it: a constraint the repository met becomes the error a client reads. */
async function named<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (!(error instanceof MemberConflict)) throw error;
    if (error.conflict === 'phone') throw phoneAlreadyRegistered();
    if (error.conflict === 'external_id') throw externalIdAlreadyRegistered();
    throw mallNotFound();
  }
}

const DAY_MS = 86_400_000;

/** Members' lifecycle: create (members and visitors), read, update, convert and the right-to-erasure purge. */
export class MemberService {
  constructor(private readonly deps: MemberServiceDeps) {}

  async create({ partnerLevel, ...input }: NewMember & { partnerLevel?: PartnerLevel }): Promise<Member> {
    this.checkTier(input.tier);
    const tier = this.higherTier(input.tier, partnerLevel && (await this.deps.partnerTiers.tierForLevel(partnerLevel)));
    return withTransaction(this.deps.pool, (tx) => this.createWithin({ ...input, ...(tier ? { tier } : {}) }, tx));
  }

  /**
   * The higher of two tiers on the ladder: a partner level's tier (a payment platform's gold
   * member starts at our gold) is a floor, like an operator-assigned tier, never a ceiling.
   */
  private higherTier(current: string | undefined, floor: string | undefined): string | undefined {
    const rank = (name: string | undefined) => this.deps.tiers.findIndex((tier) => tier.name === name);
    return floor !== undefined && rank(floor) > rank(current) ? floor : current;
  }

  /** Creates a member in the caller's transaction (with its first face, say), reporting `member.created` or `visitor.created`. */
  async createWithin(input: NewMember, tx: Queryable): Promise<Member> {
    const member = await named(this.deps.members.create(input, tx));
    await this.recordConsent(member.id, input.consent, tx);
    await this.deps.outbox.record(tx, member.kind === 'visitor' ? 'visitor.created' : 'member.created', { memberId: member.id });
    await this.deps.counts.add({ mallId: member.homeMallId, at: this.deps.clock(), metric: member.kind === 'visitor' ? 'joined_visitor' : 'joined_member' }, tx);
    this.deps.partitions.addRegular(member.homeMallId, member.id);
    return member;
  }

  /**
   * An anonymous visitor member with the face a camera followed (no photo; it expires unless
   * converted), reporting `visitor.created` — unless the face is already a member's (any within
   * MATCH_THRESHOLD): then that member, and nothing is created. The one way a visitor comes to be.
   */
  createVisitor(face: { descriptor: number[]; box: Box; quality: QualityView }, homeMallId: string): Promise<{ member: Member; created: boolean }> {
    const expiresAt = new Date(this.deps.clock().getTime() + this.deps.visitorTtlDays * DAY_MS);
    return this.deps.faces.createMemberWithFace(
      (tx) => this.createWithin({ kind: 'visitor', consent: { faceRecognition: true, source: 'visitor-policy:track' }, expiresAt, homeMallId }, tx),
      face,
    );
  }

  /** Tiers an operator may assign are the ladder's (TIER_SPEND_THRESHOLDS). */
  private checkTier(tier: string | undefined): void {
    if (tier !== undefined && !this.deps.tiers.some((t) => t.name === tier)) {
      throw invalidInput(`tier must be one of ${this.deps.tiers.map((t) => t.name).join(', ')}`);
    }
  }

  private async withProfile(member: Member | undefined, id: string): Promise<MemberWithFaces> {
    if (!member) throw memberNotFound(id);
    return { ...member, faceCount: this.deps.index.templatesOf(id).length, profile: await this.deps.profiles.profileOf(member) };
  }

  async get(id: string): Promise<MemberWithFaces> {
    return this.withProfile(await this.deps.members.findById(id), id);
  }

  find(lookup: MemberLookup): Promise<Member[]> {
    return this.deps.members.find(lookup, FIND_LIMIT);
  }

  list(limit: number, after?: PageCursor): Promise<Page<Member>> {
    return this.deps.members.page(limit, after);
  }

  async update(id: string, patch: MemberPatch): Promise<MemberWithFaces> {
    this.checkTier(patch.tier);
    const member = await withTransaction(this.deps.pool, async (tx) => {
      const updated = await named(this.deps.members.update(id, patch, tx));
      if (updated) await this.recordConsent(id, patch.consent, tx);
      return updated;
    });
    if (member && patch.homeMallId !== undefined) this.deps.partitions.addRegular(member.homeMallId, member.id);
    return this.withProfile(member, id);
  }

  /**
   * Makes an anonymous visitor a full member: it gains a cloud id and the member's own consent,
   * stops expiring, and keeps its faces, visits and points.
   */
  async convert(id: string, { partnerLevel, ...conversion }: Conversion): Promise<MemberWithFaces> {
    const floor = partnerLevel && (await this.deps.partnerTiers.tierForLevel(partnerLevel));
    const member = await withTransaction(this.deps.pool, async (tx) => {
      const visitor = await this.deps.members.lockForUpdate(id, tx);
      if (!visitor) throw memberNotFound(id);
      if (visitor.kind !== 'visitor') throw notAVisitor(id);
      const tier = this.higherTier(visitor.tier, floor);
      const now = this.deps.clock();
      const member = await named(this.deps.members.update(id, { ...conversion, tier, kind: 'member', expiresAt: null, convertedAt: now }, tx));
      await this.recordConsent(id, conversion.consent, tx);
      await this.deps.counts.add({ mallId: visitor.homeMallId, at: now, metric: 'converted' }, tx);
      await this.deps.outbox.record(tx, 'visitor.converted', { memberId: id });
      return member;
    });
    return this.withProfile(member, id);
  }

  /**
   * Erases everything of a member: their data key (so backups, WAL and old snapshots of their face
   * stop opening), rows and outbox events (one transaction, which also records the pending photo
   * erasure and queues `member.purged`), index entries, then the photos themselves.
   */
  async purge(id: string): Promise<PurgeResult> {
    const { erased, events } = await withTransaction(this.deps.pool, async (tx) => {
      const member = await this.deps.members.lockForUpdate(id, tx);
      if (!member) throw memberNotFound(id);
      // Counted, not named: the dashboard's net new members needs those who left.
      await this.deps.counts.add({ mallId: member.homeMallId, at: this.deps.clock(), metric: member.kind === 'visitor' ? 'left_visitor' : 'left_member' }, tx);
      // Events are visits and purchases; their points entries go with them.
      const events = (await this.deps.visits.countByMember(id, tx)) + (await this.deps.purchases.countByMember(id, tx));
      const erased = await this.eraseFacesWithin(id, tx);
      await this.deps.sales.forgetMember(id, tx);
      // Visits, purchases, ledger entries, external ids, mall activity, consent records and
      // recognitions go with the row (ON DELETE CASCADE).
      await this.deps.members.delete(id, tx);
      // Its events go from the outbox, sent or not; mall systems are told to forget the member too.
      await this.deps.outbox.memberPurged(tx, id);
      return { erased, events };
    });
    return { ...(await this.afterFacesErased(id, erased)), events };
  }

  /**
   * The member withdraws consent to face recognition (GDPR art. 7(3), PIPL's alternative to the
   * face): their faces, photos and templates are erased as at a purge, and the data key destroyed,
   * but the membership stays — points, coupons, history, and the phone or id that now signs them
   * in. Enrolling a face again needs consent given again.
   */
  async withdrawFaceConsent(id: string, source: string): Promise<Omit<PurgeResult, 'events'>> {
    const erased = await withTransaction(this.deps.pool, async (tx) => {
      const member = await this.deps.members.lockForUpdate(id, tx);
      if (!member) throw memberNotFound(id);
      const erased = await this.eraseFacesWithin(id, tx);
      await this.deps.members.update(id, { consent: { faceRecognition: false, source } }, tx);
      await this.recordConsent(id, { faceRecognition: false, source }, tx);
      await this.deps.recognitions.forgetDescriptorsOf(id, tx);
      return erased;
    });
    return this.afterFacesErased(id, erased);
  }

  /**
   * What a purge and a consent withdrawal share, in the member's locked transaction: the data key
   * goes first — should the rest fail, the faces already open nowhere (a retried call finishes);
   * the reverse order could leave readable copies in backups of a database that no longer holds
   * the member's rows. Then the templates, the suspicions that name the member, and the photos'
   * erasure recorded as pending (finished after the commit, or by the sweeper).
   */
  private async eraseFacesWithin(id: string, tx: Queryable): Promise<FaceTemplate[]> {
    await this.deps.keys.shred(id);
    const removed = await this.deps.templates.deleteByMember(id, tx);
    await this.deps.pendingDeletions.add(memberPhotoPrefix(id), tx);
    await this.deps.duplicates.deleteByMember(id, tx);
    return removed;
  }

  /** After the commit: the index entries, then the photos themselves. */
  private async afterFacesErased(id: string, templates: FaceTemplate[]): Promise<Omit<PurgeResult, 'events'>> {
    this.deps.index.removeMember(id);
    const images = await this.deps.photoEraser.erase(memberPhotoPrefix(id));
    return {
      faces: templates.length,
      images: images ?? templates.filter((t) => t.photoKey).length,
      imageErasurePending: images === undefined,
    };
  }

  /** A consent given or changed becomes a record (what, under which text, through which channel, when). */
  private async recordConsent(memberId: string, consent: NewMember['consent'], tx: Queryable): Promise<void> {
    if (!consent) return;
    await this.deps.consents.record(memberId, { purpose: 'faceRecognition', granted: consent.faceRecognition, textVersion: consent.textVersion ?? null, source: consent.source }, tx);
  }
}
