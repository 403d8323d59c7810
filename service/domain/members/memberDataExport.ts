import type { ConsentRecord, ConsentRepository } from '../../repositories/consentRepository.js';
import type { FaceTemplateRepository } from '../../repositories/faceTemplateRepository.js';
import type { ExportedRow, MemberDataRepository, MemberTables } from '../../repositories/memberDataRepository.js';
import type { FaceRecords } from '../faces/faceRecords.js';
import type { Clock } from '../shared/clock.js';
import type { MemberService, MemberWithFaces } from './memberService.js';

export interface MemberDataDocument extends MemberTables {
  exportedAt: string;
  member: MemberWithFaces;
  consents: ConsentRecord[];
  /** The member's face templates, enrolled and adaptive: what they are, never their descriptors. */
  faces: { id: string; kind: string; model: { name: string; version: string }; box: unknown; quality: Record<string, unknown>; photoKept: boolean; createdAt: string }[];
  /** With photos=true: each kept enrollment photo, base64. */
  photos?: { faceId: string; contentType: string; base64: string }[];
  audit: ExportedRow[];
}

/**
 * Everything held about one member as one document (GDPR arts. 15 and 20, PIPL art. 45):
 * profile, consent records, visits (their trail through the malls), purchases, points ledger,
 * coupons, redemptions, refunds, campaign awards, partner transfers, mall activity, till recognitions, face templates'
 * metadata, and what the audit log says was done to them; photos on request. Descriptors never.
 */
export class MemberDataExport {
  constructor(
    private readonly deps: {
      members: Pick<MemberService, 'get'>;
      consents: ConsentRepository;
      templates: FaceTemplateRepository;
      data: MemberDataRepository;
      records: Pick<FaceRecords, 'photo'>;
      clock: Clock;
    },
  ) {}

  async export(memberId: string, withPhotos: boolean): Promise<MemberDataDocument> {
    const member = await this.deps.members.get(memberId); // MEMBER_NOT_FOUND for a purged member
    const templates = await this.deps.templates.listByMember(memberId);
    const document: MemberDataDocument = {
      exportedAt: this.deps.clock().toISOString(),
      member,
      consents: await this.deps.consents.listByMember(memberId),
      faces: templates.map((t) => ({
        id: t.id,
        kind: t.kind,
        model: { name: t.modelName, version: t.modelVersion },
        box: t.box,
        quality: t.quality,
        photoKept: t.photoKey !== null,
        createdAt: t.createdAt,
      })),
      ...(await this.deps.data.tablesOf(memberId)),
      audit: await this.deps.data.auditOf(memberId),
    };
    if (withPhotos) {
      document.photos = [];
      for (const template of templates.filter((t) => t.photoKey)) {
        const photo = await this.deps.records.photo(memberId, template.id).catch((error: unknown) => {
          if ((error as { code?: string }).code === 'PHOTO_NOT_STORED') return undefined; // erased meanwhile
          throw error;
        });
        if (photo) document.photos.push({ faceId: template.id, contentType: photo.contentType, base64: photo.bytes.toString('base64') });
      }
    }
    return document;
  }
}
