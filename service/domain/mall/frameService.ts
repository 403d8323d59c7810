import { faceOutcome, type FaceSource, type RecognitionObserver } from '../shared/recognitionObserver.js';
import type { Logger } from 'pino';
import type { Box } from '../../../models/types.js';
import type { Member } from '../../repositories/memberRepository.js';
import { invalidInput } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import type { UnknownReason } from '../recognition/matchRule.js';
import type { IdentificationService, Match } from '../recognition/identificationService.js';
import type { QualityView } from '../faces/faceView.js';
import type { MemberService } from '../members/memberService.js';
import type { AdaptiveTemplates } from '../faces/adaptiveTemplates.js';
import type { MemberProfile } from '../members/profileService.js';
import type { VisitService } from './visitService.js';
import type { MallPartitions } from '../recognition/mallPartitions.js';
import type { CameraMalls } from './cameraMalls.js';
import type { ServedIndex } from '../recognition/servedIndex.js';
import type { VisitFeed } from './visitFeed.js';
import { PULLED_TRACKS, pushedTracks, type FaceTrack, type FaceTracks, type FollowedFace, type TrackTiming } from './faceTracks.js';
import { faceWeight } from '../../../models/knownFaces.js';
import type { MallCountMetric, MallCountsRepository } from '../../repositories/mallCountsRepository.js';

export interface VisitorPolicy {
  policy: 'off' | 'track';
  /** Frames of a track needed before an unknown face may become a visitor. */
  minSightings: number;
  /** A pushed camera's track ends when its face has not been posted for this long. */
  pushedTrackTimeoutSeconds: number;
}

export interface FrameFace {
  box: Box;
  quality: QualityView;
  /** True when the face was too small or too blurred to trust: never matched. */
  skipped: boolean;
  match: Match | null;
  member?: Member;
  profile?: MemberProfile;
  /** The visit this face's track joined; `sightings` counts the tracks (passes before a camera) that joined it. */
  visit?: { id: string; newVisit: boolean; firstSeenAt: string; sightings: number };
  /** The track this face joined: faces of one track are one pass before the camera, decided once. */
  trackId?: string;
  /** Set when this sighting made an unknown person an anonymous visitor member. */
  visitorCreated?: boolean;
  unknownReason?: UnknownReason;
}

export interface FrameResult {
  cameraId: string;
  capturedAt: string;
  faces: FrameFace[];
  /** Faces skipped, counted by quality reason (a face can count under several). */
  skipped: Record<string, number>;
}

/** A camera's clock may run a little ahead of ours; further ahead is a wrong clock. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface FrameServiceDeps {
  identification: IdentificationService;
  visits: VisitService;
  /** Creates visitors (and reports `visitor.created`). */
  members: Pick<MemberService, 'createVisitor'>;
  /** Faces followed across a camera's frames, pushed and pulled alike; each track keeps its decision. */
  tracks: FaceTracks<TrackDecision>;
  feed: VisitFeed;
  /** Those seen today and regulars of each mall (a recognised member joins both at once). */
  partitions: MallPartitions;
  cameraMalls: CameraMalls;
  /** Whether this replica holds the whole group (the visitor policy needs to know). */
  served: Pick<ServedIndex, 'holdsGroup'>;
  visitors: VisitorPolicy;
  /** Recognised camera faces are offered as adaptive templates (refused unless ADAPT_FROM_CAMERAS). */
  adaptation: Pick<AdaptiveTemplates, 'offer'>;
  /** Where each face's outcome and each visit are reported (the metrics), for pushed and pulled frames alike. */
  observer: RecognitionObserver;
  /** The dashboard's counts of faces tracked and recognised, per camera and hour. */
  counts: Pick<MallCountsRepository, 'add'>;
  clock: Clock;
  logger: Logger;
}

/** What a face's answer holds beyond where it was and how good it is. */
type FaceAnswer = Omit<FrameFace, 'box' | 'quality' | 'skipped'>;

/** A track's decision: the member it is, and the answer its later frames repeat. */
export interface TrackDecision {
  memberId: string;
  answer: FaceAnswer;
}

/** What an adaptive template is made of, from a face of the frame. */
const pick = ({ face }: UsableFace) => ({ descriptor: face.descriptor, box: face.box, measures: face.measures });

/** How a decided track answers its later frames: the same member and visit, no new sighting, no new visitor. */
function asRepeated({ visitorCreated: _created, visit, ...answer }: FaceAnswer): FaceAnswer {
  return { ...answer, ...(visit ? { visit: { ...visit, newVisit: false } } : {}) };
}

/** A face good enough to follow, from the analysis. */
type UsableFace = Awaited<ReturnType<IdentificationService['judgedFaces']>>[number];

/**
 * Entrance-camera frames, pushed and pulled, through one pipeline: each usable face joins its
 * track (FaceTracks), and each track not yet decided is decided from its best faces — a member
 * gives one sighting for the whole track (the dedup window joins sightings close in time into one
 * visit); a track of an unknown face seen in enough frames becomes an anonymous visitor member
 * where the deployment's policy says so. Frames themselves are never stored.
 */
export class FrameService {
  private readonly pushed: TrackTiming;

  constructor(private readonly deps: FrameServiceDeps) {
    this.pushed = pushedTracks(deps.visitors.pushedTrackTimeoutSeconds);
  }

  /**
   * A pushed frame, answered face by face; `keyMallId` is the mall of the key that pushed it (for
   * a camera not registered here). A face whose track was decided by an earlier frame is answered
   * from that decision (no new sighting).
   */
  async processFrame(cameraId: string, bytes: Buffer, capturedAt?: Date, keyMallId?: string | null): Promise<FrameResult> {
    const now = this.deps.clock();
    const at = capturedAt ?? now;
    if (at.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
      throw invalidInput('capturedAt is in the future');
    }
    const mallId = await this.deps.cameraMalls.mallOf(cameraId, keyMallId);
    // Camera frames go last in the inference queue (and are dropped when it is behind): the till comes first.
    const judged = await this.deps.identification.judgedFaces(bytes, { lane: 'camera' });
    const skipped: Record<string, number> = {};
    for (const { quality } of judged) {
      if (!quality.ok) for (const reason of quality.reasons) skipped[reason] = (skipped[reason] ?? 0) + 1;
    }
    const decided = await this.decideTracks(cameraId, mallId, judged.filter((f) => f.quality.ok), at, 'frame', this.pushed);
    const faces = judged.map(({ face, quality }): FrameFace => {
      if (!quality.ok) return { box: face.box, quality, skipped: true, match: null, unknownReason: 'low_quality' };
      return { box: face.box, quality, skipped: false, ...decided.shift()! };
    });
    return { cameraId, capturedAt: at.toISOString(), faces, skipped };
  }

  /**
   * A frame of a camera this replica pulls; returns how many faces it had. A face where one of the
   * camera's tracks was a quarter-second ago, no better than that track still wants, is measured
   * but not described again (knownFaces.ts: the embedders are most of a frame's cost), and joins
   * that track.
   */
  async processPulledFrame(cameraId: string, bytes: Buffer, at: Date): Promise<number> {
    const mallId = await this.deps.cameraMalls.mallOf(cameraId);
    const followed = this.deps.tracks.followed(cameraId, at.getTime());
    const known = followed.map(({ box, minWeight }) => ({ box, minWeight }));
    const judged = await this.deps.identification.judgedFaces(bytes, { lane: 'camera', known });
    await this.decideTracks(cameraId, mallId, judged.filter((f) => f.quality.ok), at, 'stream', PULLED_TRACKS, followed);
    return judged.length;
  }

  /** A camera this replica no longer pulls: its tracks, and the faces they hold, are freed. */
  releaseCamera(cameraId: string): void {
    this.deps.tracks.forget(cameraId);
  }

  /**
   * The faces join their tracks; each track is answered: from its decision when it has one, else
   * searched once with its best faces (only analysed before: a track is searched, not each face).
   */
  private async decideTracks(
    cameraId: string,
    mallId: string,
    usable: UsableFace[],
    at: Date,
    source: FaceSource,
    timing: TrackTiming,
    followed: FollowedFace<TrackDecision>[] = [],
  ): Promise<FaceAnswer[]> {
    const tracks = this.deps.tracks.observe(
      cameraId,
      usable.map(({ face, quality }) => {
        const weight = faceWeight(quality.detectionScore, quality.sizePx);
        const knownAs = face.knownAs === undefined ? undefined : followed[face.knownAs]?.track;
        return knownAs ? { box: face.box, weight, track: knownAs } : { box: face.box, descriptor: face.descriptor, weight };
      }),
      at.getTime(),
      timing,
    );
    const answers: FaceAnswer[] = [];
    // One track at a time: two tracks of one frame must not race to create the same visitor.
    for (const [i, track] of tracks.entries()) {
      if (track.decision && this.deps.identification.stillEnrolled(track.decision.memberId)) {
        answers.push(track.decision.answer);
        continue;
      }
      if (track.decision) {
        // The member was purged (or lost their faces) while the track lasted: decided afresh, and
        // an erased member's face does not come straight back as a visitor from the same pass.
        track.decision = undefined;
        track.visitorTried = true;
      }
      const descriptor = track.representative();
      const found = await this.deps.identification.matchDescriptor(descriptor, mallId);
      this.deps.observer.faceDecided(source, faceOutcome(found));
      let answer: FaceAnswer = found.match ? await this.recognised(found.match, cameraId, mallId, at, track.id) : { match: null, unknownReason: found.unknownReason };
      if (!found.match && this.visitorDue(found.unknownReason, track)) {
        track.visitorTried = true;
        const { face, quality } = usable[i]!;
        answer = (await this.newVisitor(descriptor, face.box, quality, cameraId, mallId, at, track)) ?? answer;
      }
      await this.countTrack(track, cameraId, mallId, at, Boolean(answer.match));
      if (answer.match) {
        track.decision = { memberId: answer.match.memberId, answer: asRepeated(answer) };
        // The track's face may teach the member's templates only where ADAPT_FROM_CAMERAS allows (the
        // offer refuses otherwise); a face known without a descriptor has nothing to teach.
        if (found.match && usable[i]!.face.descriptor.length > 0) await this.deps.adaptation.offer({ memberId: answer.match.memberId, ...pick(usable[i]!), source: 'camera', liveness: { required: false, passed: null }, keyId: null });
      }
      answers.push(answer);
    }
    return answers.map((answer, i) => ({ ...answer, trackId: tracks[i]!.id }));
  }

  /**
   * Counts a track for the dashboard's recognised share: once when first decided, once more when
   * it is first recognised (an unknown track is searched again as better faces arrive). A count
   * that cannot be written is logged, never a reason to fail the frame.
   */
  private async countTrack(track: FaceTrack<TrackDecision>, cameraId: string, mallId: string, at: Date, recognised: boolean): Promise<void> {
    const metrics: MallCountMetric[] = [];
    if (track.counted === undefined) metrics.push('faces_tracked');
    if (recognised && track.counted !== 'recognised') metrics.push('faces_recognised');
    if (metrics.length === 0) return;
    track.counted = recognised ? 'recognised' : 'tracked';
    for (const metric of metrics) {
      await this.deps.counts.add({ mallId, at, metric, cameraId }).catch((error: unknown) => this.deps.logger.warn({ err: error, cameraId, metric }, 'dashboard count not written'));
    }
  }

  /**
   * Whether an unknown track becomes a visitor now: the policy is `track`, the track was seen in
   * enough frames, it was not tried before, and no member could still be it. A face close to two
   * members (ambiguous) never may. One the group was too large to search may on a replica that
   * holds the whole group, whose visitor enrollment refuses any face within MATCH_THRESHOLD of a
   * member (MemberService.createVisitor); a replica holding only some malls cannot tell, and makes no
   * visitor of it.
   */
  private visitorDue(unknownReason: UnknownReason | undefined, track: { frames: number; visitorTried: boolean }): boolean {
    const { policy, minSightings } = this.deps.visitors;
    if (policy !== 'track' || track.visitorTried || track.frames < minSightings) return false;
    return unknownReason === 'no_close_member' || (unknownReason === 'needs_second_factor' && this.deps.served.holdsGroup);
  }

  /** A new anonymous visitor member with the track's face (or the member it already is), and its sighting. */
  private async newVisitor(descriptor: number[], box: Box, quality: QualityView, cameraId: string, mallId: string, at: Date, track: FaceTrack<TrackDecision>): Promise<FaceAnswer | undefined> {
    const { member, created } = await this.deps.members.createVisitor({ descriptor, box, quality }, mallId);
    if (created) this.deps.logger.info({ memberId: member.id, cameraId, trackId: track.id, frames: track.frames }, 'visitor member created');
    const { match } = await this.deps.identification.matchDescriptor(descriptor, mallId);
    if (!match) return undefined;
    const answer = await this.recognised(match, cameraId, mallId, at, track.id, created);
    return answer.match ? { ...answer, visitorCreated: created } : undefined;
  }

  /** A recognised track's sighting: the visit, the mall's partitions, the live feed. */
  private async recognised(match: Match, cameraId: string, mallId: string, at: Date, trackId: string, visitorCreated = false): Promise<FaceAnswer> {
    const sighting = await this.deps.visits.recordSighting(match.memberId, cameraId, mallId, at);
    if (!sighting) return { match: null }; // purged while the frame was analysed
    const { visit, newVisit, card } = sighting;
    this.deps.observer.visitSighted(newVisit);
    this.deps.partitions.addVisit(mallId, match.memberId);
    this.deps.feed.publish({
      at: at.toISOString(),
      cameraId,
      memberId: card.member.id,
      name: card.member.name,
      kind: card.member.kind,
      tier: card.profile.tier,
      newVisit,
      distance: match.distance,
      visitorCreated,
      trackId,
    });
    return { match, ...card, visit: { id: visit.id, newVisit, firstSeenAt: visit.firstSeenAt, sightings: visit.sightings } };
  }
}
