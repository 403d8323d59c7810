import { describe, expect, it } from 'vitest';
import { FaceIndex } from '../../../index/faceIndex.js';
import type { DuplicateSuspect } from '../../repositories/duplicateRepository.js';
import { DeploymentCalibration } from './deploymentCalibration.js';
import { MatchRule } from './matchRule.js';
import { PartitionThresholds } from './partitionThresholds.js';
import { unit } from '../../testSupport/syntheticFaces.js';

const rule = new MatchRule('cosine', { match: 0.527, margin: 0.08, today: 0.487, verify: 0.289 });
/** `n` members with one seeded pseudo-random 32-d face each; member 0 and 1 are one person (a duplicate under review). */
function gallery(n: number) {
  let state = 7;
  const next = () => ((state = (Math.imul(state, 1_103_515_245) + 12_345) | 0) / 2 ** 31);
  const index = new FaceIndex({ dimensions: 32, initialCapacity: n });
  const faces = Array.from({ length: n }, () => unit(Array.from({ length: 32 }, next)));
  faces[1] = unit(faces[0]!.map((v, i) => v + 0.05 * Math.sin(i)));
  faces.forEach((face, i) => index.add({ label: i + 1, templateId: `t${i}`, memberId: `m${String(i).padStart(3, '0')}` }, face));
  return { index, faces };
}
const suspect = { memberId: 'm000', otherMemberId: 'm001' } as DuplicateSuspect;
const lfw = new PartitionThresholds('cosine', { pairs: 1_000_000, source: 'test', points: [[0.3, 1000], [0.5, 3], [0.6, 1]] });

describe('calibration on the deployment\'s own faces', () => {
  it('compares every pair of different members but the ones under review, and lists the closest', async () => {
    const { index } = gallery(40);
    const report = await new DeploymentCalibration({ index, duplicates: { pending: () => Promise.resolve([suspect]) }, rule, thresholds: lfw, targetFpir: 0.001 }).estimate();
    expect(report).toMatchObject({ members: 40, pairs: 40 * 39 / 2 - 1, excludedSuspectedDuplicates: 1, sampled: false, suggestedMatchThreshold: null });
    expect(report.closestPairs).toHaveLength(5);
    expect(report.closestPairs.some((p) => p.memberId === 'm000' && p.otherMemberId === 'm001')).toBe(false);
    expect(report.thresholds.find((t) => t.name === 'match')).toMatchObject({ threshold: 0.527, lfwFmr: 3e-6 });
    // Without the review, the duplicate is the closest pair: one person enrolled twice.
    const unreviewed = await new DeploymentCalibration({ index, duplicates: { pending: () => Promise.resolve([]) }, rule, thresholds: lfw, targetFpir: 0.001 }).estimate();
    expect(unreviewed.closestPairs[0]).toMatchObject({ memberId: 'm000', otherMemberId: 'm001' });
    expect(unreviewed.closestPairs[0]!.similarity).toBeGreaterThan(0.9);
  });

  it('suggests the loosest match threshold that holds the target on these pairs, when they are enough to show it', async () => {
    const { index } = gallery(200);
    const calibration = new DeploymentCalibration({ index, duplicates: { pending: () => Promise.resolve([suspect]) }, rule, thresholds: lfw, targetFpir: 0.5 });
    const report = await calibration.estimate();
    const suggested = report.suggestedMatchThreshold!;
    expect(suggested).not.toBeNull();
    // At the suggestion, the expected FPIR over the group is within the target; a little looser, it is not.
    const fmr = (t: number) => {
      let n = 0;
      const ids = index.memberIds().sort();
      for (let i = 0; i < ids.length; i++)
        for (let j = i + 1; j < ids.length; j++) {
          if (i === 0 && j === 1) continue;
          const a = index.descriptorOf(index.templatesOf(ids[i]!)[0]!.label)!;
          const b = index.descriptorOf(index.templatesOf(ids[j]!)[0]!.label)!;
          if (rule.vectorCloseness(a, b) >= t) n++;
        }
      return n / report.pairs;
    };
    const fpir = (t: number) => 1 - (1 - fmr(t)) ** report.group.templates;
    expect(fpir(suggested)).toBeLessThanOrEqual(0.5);
    expect(fpir(suggested - 0.02)).toBeGreaterThan(0.5);
  });
});
