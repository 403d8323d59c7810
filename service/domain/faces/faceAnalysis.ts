import type { AnalyzedImage, FacePipeline } from '../../../models/facePipeline.js';
import { judgeQuality, type QualityPolicy } from './quality.js';
import type { DetectedFace, ModelInfo } from '../../../models/types.js';
import { lowQuality, memberNotFound, modelsLoading } from '../errors.js';
import type { Member, MemberRepository } from '../../repositories/memberRepository.js';
import { qualityView, type QualityView } from './faceView.js';

/** Steps shared by enrollment and identification. */

/** The running model, or NOT_READY while the workers are still loading it. */
export function readyModel(pipeline: FacePipeline): ModelInfo {
  const info = pipeline.modelInfo;
  if (!info) throw modelsLoading();
  return info;
}

export async function analyzeWhenReady(pipeline: FacePipeline, bytes: Buffer, options: Parameters<FacePipeline['analyze']>[1] = {}): Promise<AnalyzedImage> {
  readyModel(pipeline);
  return pipeline.analyze(bytes, options);
}

export async function requireMember(members: MemberRepository, memberId: string): Promise<Member> {
  const member = await members.findById(memberId);
  if (!member) throw memberNotFound(memberId);
  return member;
}

/** The face's quality block, or LOW_QUALITY with the reasons when it fails the policy. */
export function requireQuality(face: DetectedFace, policy: QualityPolicy, purpose: string): QualityView {
  const verdict = judgeQuality(face.measures, policy);
  const quality = qualityView(face.measures, verdict);
  if (!verdict.ok) {
    throw lowQuality(purpose, verdict.reasons, { reasons: verdict.reasons, quality });
  }
  return quality;
}
