import type { AnalyzedImage, FacePipeline } from '../../models/facePipeline.js';
import { judgeQuality, type QualityPolicy } from '../../models/quality.js';
import type { DetectedFace, ModelInfo } from '../../models/types.js';
import { AppError } from '../errors.js';
import type { Member, MemberRepository } from '../repositories/memberRepository.js';
import { qualityView, type QualityView } from './faceView.js';

/** Steps shared by enrollment and identification. */

/** The running model, or NOT_READY while the workers are still loading it. */
export function readyModel(pipeline: FacePipeline): ModelInfo {
  const info = pipeline.modelInfo;
  if (!info) throw new AppError('NOT_READY', 'the face models are still loading');
  return info;
}

export async function analyzeWhenReady(pipeline: FacePipeline, bytes: Buffer): Promise<AnalyzedImage> {
  readyModel(pipeline);
  return pipeline.analyze(bytes);
}

export async function requireMember(members: MemberRepository, memberId: string): Promise<Member> {
  const member = await members.findById(memberId);
  if (!member) throw new AppError('MEMBER_NOT_FOUND', `no member ${memberId}`);
  return member;
}

/** The face's quality block, or LOW_QUALITY with the reasons when it fails the policy. */
export function requireQuality(face: DetectedFace, policy: QualityPolicy, purpose: string): QualityView {
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
