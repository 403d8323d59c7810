import { photoContentType, type BlobStore } from '../blob/blobStore.js';
import { AppError } from '../errors.js';
import type { FaceTemplate, FaceTemplateRepository } from '../repositories/faceTemplateRepository.js';
import type { MemberRepository } from '../repositories/memberRepository.js';

/** Reading a member's face templates: the list, their photos, and (for admins) their descriptors. */
export class FaceRecords {
  constructor(
    private readonly deps: { members: MemberRepository; templates: FaceTemplateRepository; blobs: BlobStore },
  ) {}

  private async requireMember(memberId: string): Promise<void> {
    if (!(await this.deps.members.findById(memberId))) throw new AppError('MEMBER_NOT_FOUND', `no member ${memberId}`);
  }

  async list(memberId: string): Promise<FaceTemplate[]> {
    await this.requireMember(memberId);
    return this.deps.templates.listByMember(memberId);
  }

  async listWithDescriptors(memberId: string): Promise<(FaceTemplate & { descriptor: number[] })[]> {
    await this.requireMember(memberId);
    return this.deps.templates.listByMemberWithDescriptors(memberId);
  }

  async photo(memberId: string, faceId: string): Promise<{ bytes: Buffer; contentType: string }> {
    const template = (await this.deps.templates.listByMember(memberId)).find((t) => t.id === faceId);
    if (!template) throw new AppError('FACE_NOT_FOUND', `member ${memberId} has no face ${faceId}`);
    if (!template.photoKey) throw new AppError('PHOTO_NOT_STORED', 'no photo was kept for this face');
    let bytes: Buffer | undefined;
    try {
      bytes = await this.deps.blobs.get(template.photoKey);
    } catch {
      throw new AppError('DEPENDENCY_UNAVAILABLE', 'the photo store is not available; try again shortly');
    }
    if (!bytes) throw new AppError('PHOTO_NOT_STORED', 'the photo of this face is gone from the store');
    return { bytes, contentType: photoContentType(template.photoKey) };
  }
}
