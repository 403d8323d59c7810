import type { Logger } from 'pino';
import type { FaceIndex } from '../../../index/faceIndex.js';
import type { DescriptorModel } from '../../../models/faceModels.js';
import { withTransaction, type Pool } from '../../db/pool.js';
import type { DuplicateRepository, DuplicateSuspect } from '../../repositories/duplicateRepository.js';
import type { MemberMergeRepository } from '../../repositories/memberMergeRepository.js';
import type { Member, MemberRepository } from '../../repositories/memberRepository.js';
import { duplicateDecided, duplicateNotFound, invalidInput, memberNotFound } from '../errors.js';
import { cosineSimilarity, type MatchRule } from './matchRule.js';
import type { MemberService, PurgeResult } from '../members/memberService.js';
import type { PartitionThresholds } from './partitionThresholds.js';
import type { ServedIndex } from './servedIndex.js';

/** New templates compared per sweep. */
const SWEEP_BATCH = 500;
/**
 * The expected share of new templates flagged against a stranger: an operator reads every
 * suspicion, so one in a hundred false is the budget, and the threshold tightens with the group.
 */
const SUSPECT_FALSE_RATE = 0.01;
const SUSPECT_NEIGHBOURS = 10;

export interface SuspectView extends DuplicateSuspect {
  member: Pick<Member, 'id' | 'name' | 'kind' | 'homeMallId' | 'createdAt'> | null;
  otherMember: Pick<Member, 'id' | 'name' | 'kind' | 'homeMallId' | 'createdAt'> | null;
}

/**
 * Double enrollment at the group's scale. Enrollment refuses a face the replica's own index calls
 * another member's (FACE_ALREADY_ENROLLED); a replica serving some malls holds only their members,
 * so a person enrolled at two malls gets past it. A background sweep, on a replica that holds the
 * whole group, compares every new template with the group and lists the pairs for an operator,
 * who merges them (the kept member takes the other's visits, purchases, points and ids; the other
 * is purged) or dismisses them.
 */
export class Duplicates {
  constructor(
    private readonly deps: {
      pool: Pool;
      duplicates: DuplicateRepository;
      merges: MemberMergeRepository;
      members: MemberRepository;
      memberService: Pick<MemberService, 'purge'>;
      index: FaceIndex;
      served: Pick<ServedIndex, 'holdsGroup'>;
      rule: MatchRule;
      thresholds: PartitionThresholds;
      model: DescriptorModel;
      logger: Logger;
    },
  ) {}

  /** The closeness a pair must reach to be suspected at the group's current size (model scale). */
  threshold(): number {
    const { thresholds, rule, index } = this.deps;
    const set = thresholds.forSize(index.size, SUSPECT_FALSE_RATE, rule.thresholds.match) ?? thresholds.strictest(index.size);
    return set?.threshold ?? rule.thresholds.match;
  }

  /**
   * Compares the templates added since the last sweep with the whole group; returns how many
   * pairs it newly suspects. One replica sweeps at a time (an advisory lock); a replica that does
   * not hold the group leaves it to one that does.
   */
  async sweep(): Promise<number> {
    if (!this.deps.served.holdsGroup) return 0;
    const { duplicates, index, rule, model } = this.deps;
    return withTransaction(this.deps.pool, async (tx) => {
      if (!(await duplicates.lockSweep(tx))) return 0;
      const { templates: batch, lastLabel } = await duplicates.templatesAfter(await duplicates.position(tx), model, SWEEP_BATCH, tx);
      if (lastLabel === undefined) return 0;
      const threshold = this.threshold();
      const suspects = batch.flatMap((template) => {
        // The closest other member, when close enough.
        const other = index.search(template.descriptor, SUSPECT_NEIGHBOURS).find((hit) => hit.memberId !== template.memberId);
        if (!other || !rule.within(other.distance, threshold)) return [];
        const similarity = cosineSimilarity(template.descriptor, index.descriptorOf(other.label) ?? []);
        return [{ memberId: template.memberId, faceId: template.id, otherMemberId: other.memberId, otherFaceId: other.templateId, similarity }];
      });
      const added = await duplicates.insert(suspects, tx);
      await duplicates.advance(lastLabel, tx);
      if (added > 0) this.deps.logger.info({ added, compared: batch.length }, 'suspected duplicate enrollments listed');
      return added;
    });
  }

  /** Pending suspicions, newest first, with both members' names (read in one query). */
  async pending(limit: number): Promise<SuspectView[]> {
    const suspects = await this.deps.duplicates.pending(limit);
    const members = new Map((await this.deps.members.findByIds([...new Set(suspects.flatMap((s) => [s.memberId, s.otherMemberId]))])).map((m) => [m.id, m]));
    const card = (id: string) => {
      const member = members.get(id);
      return member ? { id: member.id, name: member.name, kind: member.kind, homeMallId: member.homeMallId, createdAt: member.createdAt } : null;
    };
    return suspects.map((s) => ({ ...s, member: card(s.memberId), otherMember: card(s.otherMemberId) }));
  }

  async dismiss(id: string): Promise<DuplicateSuspect> {
    return withTransaction(this.deps.pool, async (tx) => {
      const suspect = await this.pendingOne(id, tx);
      return this.deps.duplicates.decide(suspect.id, 'dismissed', tx);
    });
  }

  /**
   * Keeps `keepId` (one of the pair): the other's visits, purchases, points, mall activity, ids
   * and phone move to it in one transaction, then the other is purged (its faces and photos
   * erased everywhere, as any purge). A purge that fails after the move leaves the other member
   * without history; merging again finishes it.
   */
  async merge(id: string, keepId: string): Promise<{ keptMemberId: string; purgedMemberId: string; moved: { visits: number; purchases: number; points: number }; purged: PurgeResult }> {
    const { dropId, moved } = await withTransaction(this.deps.pool, async (tx) => {
      const suspect = await this.pendingOne(id, tx);
      const pair = [suspect.memberId, suspect.otherMemberId];
      if (!pair.includes(keepId)) throw invalidInput('keep must be one of the two members of this suspected duplicate');
      const dropId = pair.find((memberId) => memberId !== keepId)!;
      // Both rows locked, in one order (two merges of crossing pairs cannot deadlock).
      for (const memberId of [...pair].sort()) if (!(await this.deps.members.lockForUpdate(memberId, tx))) throw memberNotFound(memberId);
      const moved = await this.deps.merges.moveHistory(dropId, keepId, tx);
      await this.deps.duplicates.decide(suspect.id, 'merged', tx);
      return { dropId, moved };
    });
    const purged = await this.deps.memberService.purge(dropId);
    return { keptMemberId: keepId, purgedMemberId: dropId, moved, purged };
  }

  private async pendingOne(id: string, tx: Parameters<DuplicateRepository['lock']>[1]): Promise<DuplicateSuspect> {
    const suspect = await this.deps.duplicates.lock(id, tx);
    if (!suspect) throw duplicateNotFound();
    if (suspect.status !== 'pending') throw duplicateDecided(suspect.status);
    return suspect;
  }
}
