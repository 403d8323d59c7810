import type { FaceIndex } from '../../index/faceIndex.js';
import { memberPhotoPrefix } from '../blob/blobStore.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { AppError } from '../errors.js';
import type { FaceTemplateRepository } from '../repositories/faceTemplateRepository.js';
import type { Member, MemberPatch, MemberRepository, NewMember } from '../repositories/memberRepository.js';
import type { PendingBlobDeletionRepository } from '../repositories/pendingBlobDeletionRepository.js';
import type { PhotoEraser } from './photoEraser.js';

export interface MemberWithFaces extends Member {
  faceCount: number;
}

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
  photoEraser: PhotoEraser;
}

/** Members' lifecycle: create, read, update and the right-to-erasure purge. */
export class MemberService {
  constructor(private readonly deps: MemberServiceDeps) {}

  create(input: NewMember): Promise<Member> {
    return this.deps.members.create(input);
  }

  async get(id: string): Promise<MemberWithFaces> {
    const member = await this.deps.members.findById(id);
    if (!member) throw new AppError('MEMBER_NOT_FOUND', `no member ${id}`);
    return { ...member, faceCount: this.deps.index.templatesOf(id).length };
  }

  async update(id: string, patch: MemberPatch): Promise<MemberWithFaces> {
    const member = await this.deps.members.update(id, patch);
    if (!member) throw new AppError('MEMBER_NOT_FOUND', `no member ${id}`);
    return { ...member, faceCount: this.deps.index.templatesOf(id).length };
  }

  /**
   * Erases everything of a member: rows (one transaction, which also records the pending photo
   * erasure), index entries, then the photos themselves.
   */
  async purge(id: string): Promise<PurgeResult> {
    const prefix = memberPhotoPrefix(id);
    const templates = await withTransaction(this.deps.pool, async (tx) => {
      if (!(await this.deps.members.lockForUpdate(id, tx))) throw new AppError('MEMBER_NOT_FOUND', `no member ${id}`);
      const removed = await this.deps.templates.deleteByMember(id, tx);
      await this.deps.pendingDeletions.add(prefix, tx);
      await this.deps.members.delete(id, tx);
      return removed;
    });
    this.deps.index.removeMember(id);
    const images = await this.deps.photoEraser.erase(prefix);
    return {
      faces: templates.length,
      images: images ?? templates.filter((t) => t.photoKey).length,
      events: 0,
      imageErasurePending: images === undefined,
    };
  }
}
