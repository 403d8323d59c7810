import { photoContentType, type BlobStore } from '../../blob/blobStore.js';
import { faceNotFound, memberNotFound, photoGone, photoNotKept, photoStoreUnavailable } from '../errors.js';
import type { FaceTemplate, FaceTemplateRepository } from '../../repositories/faceTemplateRepository.js';
import type { MemberRepository } from '../../repositories/memberRepository.js';

/** Reading a member's face templates: the list, one, their photos, and (for admins) their descriptors. */
export class FaceRecords {
  constructor(
    private readonly deps: { members: MemberRepository; templates: FaceTemplateRepository; blobs: BlobStore },
  ) {}

  private async requireMember(memberId: string): Promise<void> {
    if (!(await this.deps.members.findById(memberId))) throw memberNotFound(memberId);
  }

  async list(memberId: string): Promise<FaceTemplate[]> {
    await this.requireMember(memberId);
    return this.deps.templates.listByMember(memberId);
  }

  async listWithDescriptors(memberId: string): Promise<(FaceTemplate & { descriptor: number[] })[]> {
    await this.requireMember(memberId);
    return this.deps.templates.listByMemberWithDescriptors(memberId);
  }

  /** One template of the member (MEMBER_NOT_FOUND before FACE_NOT_FOUND: the answer names what is missing). */
  async get(memberId: string, faceId: string): Promise<FaceTemplate> {
    const template = await this.deps.templates.findOne(memberId, faceId);
    if (template) return template;
    await this.requireMember(memberId);
    throw faceNotFound(memberId, faceId);
  }

  async photo(memberId: string, faceId: string): Promise<{ bytes: Buffer; contentType: string }> {
    const template = await this.get(memberId, faceId);
    if (!template.photoKey) throw photoNotKept();
    let bytes: Buffer | undefined;
    try {
      bytes = await this.deps.blobs.get(template.photoKey);
    } catch {
      throw photoStoreUnavailable();
    }
    if (!bytes) throw photoGone();
    return { bytes, contentType: photoContentType(template.photoKey) };
  }
}
