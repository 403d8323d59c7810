import { faceOutcome, type RecognitionObserver } from '../shared/recognitionObserver.js';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Box } from '../../../models/types.js';
import type { Member } from '../../repositories/memberRepository.js';
import { invalidInput } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import type { UnknownReason } from '../recognition/matchRule.js';
import type { FaceService } from '../faces/faceService.js';
import type { IdentificationService, Match } from '../recognition/identificationService.js';
import type { QualityView } from '../faces/faceView.js';
import type { MemberService } from '../members/memberService.js';
import type { MemberProfile } from '../members/profileService.js';
import type { VisitService } from './visitService.js';
import type { MallPartitions } from '../recognition/mallPartitions.js';
import type { CameraMalls } from './cameraMalls.js';
import type { ServedIndex } from '../recognition/servedIndex.js';
import type { VisitFeed } from './visitFeed.js';
import type { FaceTracks } from './faceTracks.js';
import type { VisitorTracker } from './visitorTracker.js';

export interface VisitorPolicy {
  policy: 'off' | 'track';
  ttlDays: number;
}

export interface FrameFace {
  box: Box;
  quality: QualityView;
  /** True when the face was too small or too blurred to trust: never matched. */
  skipped: boolean;
  match: Match | null;
  member?: Member;
  profile?: MemberProfile;
  visit?: { id: string; newVisit: boolean; firstSeenAt: string; sightings: number };
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

const DAY_MS = 86_400_000;
/** A camera's clock may run a little ahead of ours; further ahead is a wrong clock. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface FrameServiceDeps {
  faces: FaceService;
  identification: IdentificationService;
  visits: VisitService;
  /** Creates visitors (and reports `visitor.created`). */
  members: Pick<MemberService, 'createWithin'>;
  tracker: VisitorTracker;
  /** Faces followed across the frames of the cameras this replica pulls. */
  tracks: FaceTracks;
  /** Frames of a track needed before an unknown face may become a visitor (the visitor policy). */
  minSightings: number;
  feed: VisitFeed;
  /** Today's visitors and regulars of each mall (a recognised member joins both at once). */
  partitions: MallPartitions;
  cameraMalls: CameraMalls;
  /** Whether this replica holds the whole group (the visitor policy needs to know). */
  served: Pick<ServedIndex, 'holdsGroup'>;
  visitors: VisitorPolicy;
  /** Where each face's outcome and each visit are reported (the metrics), for pushed and pulled frames alike. */
  observer: RecognitionObserver;
  clock: Clock;
  logger: Logger;
}

/**
 * Entrance-camera frames: every face identified, recognised members get a visit, and, where the
 * deployment's visitor policy is `track`, a stranger seen consistently across several frames
 * becomes an anonymous visitor member. Frames themselves are never stored.
 */
export class FrameService {
  constructor(private readonly deps: FrameServiceDeps) {}

  /** A pushed frame; `keyMallId` is the mall of the key that pushed it (for a camera not registered here). */
  async processFrame(cameraId: string, bytes: Buffer, capturedAt?: Date, keyMallId?: string | null): Promise<FrameResult> {
    const now = this.deps.clock();
    const at = capturedAt ?? now;
    if (at.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
      throw invalidInput('capturedAt is in the future');
    }
    const frameId = randomUUID();
    const mallId = await this.deps.cameraMalls.mallOf(cameraId, keyMallId);
    // Camera frames go last in the inference queue (and are dropped when it is behind): the till comes first.
    const matches = await this.deps.identification.matchFaces(bytes, { lane: 'camera', mallId });
    const skipped: Record<string, number> = {};
    const faces: FrameFace[] = [];
    // One face at a time: two faces of one frame must not race to create the same visitor.
    for (const { face, quality, match, unknownReason } of matches) {
      if (!quality.ok) {
        for (const reason of quality.reasons) skipped[reason] = (skipped[reason] ?? 0) + 1;
        faces.push({ box: face.box, quality, skipped: true, match: null, unknownReason: 'low_quality' });
        continue;
      }
      const base = { box: face.box, quality, skipped: false };
      if (match) {
        faces.push({ ...base, ...(await this.recognised(match, cameraId, mallId, at)) });
        continue;
      }
      const outcome = this.mayBecomeVisitor(unknownReason) ? await this.unknown(face.descriptor, face.box, quality, cameraId, mallId, at, frameId) : { match: null };
      faces.push({ ...base, ...outcome, ...(outcome.match ? {} : { unknownReason }) });
    }
    for (const face of faces) this.deps.observer.faceDecided('frame', faceOutcome(face));
    return { cameraId, capturedAt: at.toISOString(), faces, skipped };
  }

  /**
   * A frame of a camera this replica pulls: its faces join their tracks, and each track not yet
   * decided is decided from its best faces — a member gives one visit for the whole track (the
   * dedup window still joins tracks close in time); a track of an unknown face long enough
   * becomes a visitor where the policy says so. Returns how many faces the frame had.
   */
  async processPulledFrame(cameraId: string, bytes: Buffer, at: Date): Promise<number> {
    const mallId = await this.deps.cameraMalls.mallOf(cameraId);
    // Only analysed here: each track is searched once, with its best faces, not each face.
    const faces = await this.deps.identification.judgedFaces(bytes, { lane: 'camera' });
    const usable = faces.filter((f) => f.quality.ok);
    const tracks = this.deps.tracks.observe(
      cameraId,
      usable.map(({ face, quality }) => ({ box: face.box, descriptor: face.descriptor, weight: quality.detectionScore * Math.min(1, quality.sizePx / 112) })),
      at.getTime(),
    );
    // One track at a time: two tracks of one frame must not race to create the same visitor.
    for (const [i, track] of tracks.entries()) {
      if (track.memberId) continue; // decided: one visit per track
      const { face, quality } = usable[i]!;
      const descriptor = track.representative();
      const found = await this.deps.identification.matchDescriptor(descriptor, mallId);
      this.deps.observer.faceDecided('stream', faceOutcome(found));
      if (found.match) {
        const outcome = await this.recognised(found.match, cameraId, mallId, at, track.id);
        if (outcome.match) track.memberId = found.match.memberId;
        continue;
      }
      if (!this.mayBecomeVisitor(found.unknownReason)) continue;
      if (this.deps.visitors.policy !== 'track' || track.visitorTried || track.frames < this.deps.minSightings) continue;
      track.visitorTried = true;
      const { member, created } = await this.createVisitor(descriptor, face.box, quality, mallId);
      if (created) this.deps.logger.info({ memberId: member.id, cameraId, trackId: track.id, frames: track.frames }, 'visitor member created');
      const { match: visitor } = await this.deps.identification.matchDescriptor(descriptor, mallId);
      if (visitor && (await this.recognised(visitor, cameraId, mallId, at, track.id, created)).match) track.memberId = visitor.memberId;
    }
    return faces.length;
  }

  /** A camera this replica no longer pulls: its tracks, and the faces they hold, are freed. */
  releaseCamera(cameraId: string): void {
    this.deps.tracks.forget(cameraId);
  }

  /**
   * Whether an unknown face may become a visitor: only while no member could still be it. A face
   * close to two members (ambiguous) never may. One the group was too large to search may on a
   * replica that holds the whole group, whose visitor enrollment refuses any face within
   * MATCH_THRESHOLD of a member (createMemberWithFace); a replica holding only some malls cannot
   * tell, and makes no visitor of it.
   */
  private mayBecomeVisitor(unknownReason: UnknownReason | undefined): boolean {
    return unknownReason === 'no_close_member' || (unknownReason === 'needs_second_factor' && this.deps.served.holdsGroup);
  }

  /** A new anonymous visitor member with this face (or the member it already is). */
  private createVisitor(descriptor: number[], box: Box, quality: QualityView, mallId: string) {
    const expiresAt = new Date(this.deps.clock().getTime() + this.deps.visitors.ttlDays * DAY_MS);
    return this.deps.faces.createMemberWithFace(
      (tx) => this.deps.members.createWithin({ kind: 'visitor', consent: { faceRecognition: true, source: 'visitor-policy:track' }, expiresAt, homeMallId: mallId }, tx),
      { descriptor, box, quality },
    );
  }

  private async recognised(match: Match, cameraId: string, mallId: string, at: Date, trackId?: string, visitorCreated = false): Promise<Omit<FrameFace, 'box' | 'quality' | 'skipped'>> {
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
      ...(trackId ? { trackId } : {}),
    });
    return { match, ...card, visit: { id: visit.id, newVisit, firstSeenAt: visit.firstSeenAt, sightings: visit.sightings } };
  }

  private async unknown(
    descriptor: ArrayLike<number>,
    box: Box,
    quality: QualityView,
    cameraId: string,
    mallId: string,
    at: Date,
    frameId: string,
  ): Promise<Omit<FrameFace, 'box' | 'quality' | 'skipped'>> {
    if (this.deps.visitors.policy !== 'track') return { match: null };
    const confirmed = this.deps.tracker.observe(descriptor, at.getTime(), frameId);
    if (!confirmed) return { match: null };
    const { member, created } = await this.createVisitor(confirmed.descriptor, box, quality, mallId);
    if (created) this.deps.logger.info({ memberId: member.id, cameraId, sightings: confirmed.sightings }, 'visitor member created');
    const { match } = await this.deps.identification.matchDescriptor(descriptor, mallId);
    if (!match) return { match: null };
    return { ...(await this.recognised(match, cameraId, mallId, at)), visitorCreated: created };
  }
}
