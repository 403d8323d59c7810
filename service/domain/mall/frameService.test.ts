import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { QualityView } from '../faces/faceView.js';
import type { UnknownReason } from '../recognition/matchRule.js';
import type { Match } from '../recognition/identificationService.js';
import type { FaceSource } from '../shared/recognitionObserver.js';
import { FaceTracks } from './faceTracks.js';
import { FrameService, type FrameServiceDeps, type TrackDecision, type VisitorPolicy } from './frameService.js';
import { VisitFeed, type VisitEvent } from './visitFeed.js';
import { noisy as noisyFace, person, testRule } from '../../testSupport/syntheticFaces.js';
import { faceWeight, matchKnownFaces, type KnownFace } from '../../../models/knownFaces.js';

/**
 * FrameService over fakes: the analysis, the search, visits and members are stand-ins that record
 * what they were asked; the tracks, the match rule and the live feed are the real ones. What is
 * checked is the pipeline's own logic — one decision and one sighting per track, pushed and pulled
 * alike, and when an unknown track may become a visitor.
 */
const rule = testRule;
const noisy = (face: number[], k: number) => noisyFace(face, k, 0.04);
const goodQuality: QualityView = { ok: true, reasons: [], detectionScore: 0.95, sizePx: 180, sharpness: 200, brightness: 120, pose: { yawDeg: 0, pitchDeg: 0, rollDeg: 0 } };
const blurred: QualityView = { ...goodQuality, ok: false, reasons: ['TOO_BLURRY'], sharpness: 5 };

interface FakeFace {
  descriptor: number[];
  x?: number;
  quality?: QualityView;
}

function harness(policy: Partial<VisitorPolicy> = {}, options: { holdsGroup?: boolean } = {}) {
  let now = Date.parse('2026-12-07T10:00:00Z');
  /** Who each known face is: the search answers with the closest of them, else the given reason. */
  const known = new Map<string, number[]>();
  let unknownReason: UnknownReason = 'no_close_member';
  const searches: number[][] = [];
  const sightings: { memberId: string; cameraId: string; at: Date }[] = [];
  const outcomes: { source: FaceSource; outcome: string }[] = [];
  const created: string[] = [];
  const offers: { memberId: string; source: string }[] = [];
  const counts: { metric: string; cameraId: string }[] = [];
  const feed = new VisitFeed();
  const events: VisitEvent[] = [];
  feed.subscribe((event) => events.push(event));
  let frame: FakeFace[] = [];
  const visitsOf = new Map<string, { id: string; sightings: number; lastAt: number }>();
  /** How many faces of each frame the analysis described. */
  const described: number[] = [];

  const search = (descriptor: ArrayLike<number>): { match: Match | null; unknownReason?: UnknownReason } => {
    searches.push(Array.from(descriptor));
    for (const [memberId, face] of known) {
      if (rule.samePerson(face, descriptor)) return { match: { memberId, faceId: `${memberId}-face`, distance: 0.2, similarity: 0.8 } };
    }
    return { match: null, unknownReason };
  };

  const deps = {
    identification: {
      // As the analysis does: a face of `known` comes undescribed (knownFaces.ts, the real rule).
      judgedFaces: (_bytes: Buffer, options: { known?: KnownFace[] }) => {
        const faces = frame.map((f, i) => ({ box: { x: f.x ?? 100 + i * 400, y: 100, width: 150, height: 180 }, quality: f.quality ?? goodQuality, descriptor: f.descriptor }));
        const knownAs = options.known ? matchKnownFaces(faces.map(({ box, quality }) => ({ box, weight: faceWeight(quality.detectionScore, quality.sizePx) })), options.known) : [];
        described.push(knownAs.filter((k) => k === undefined).length + faces.length - knownAs.length);
        return Promise.resolve(
          faces.map(({ box, quality, descriptor }, i) => ({
            face: knownAs[i] === undefined ? { box, descriptor } : { box, descriptor: [], knownAs: knownAs[i] },
            quality,
            liveness: undefined,
          })),
        );
      },
      matchDescriptor: (descriptor: ArrayLike<number>) => Promise.resolve(search(descriptor)),
      stillEnrolled: (memberId: string) => known.has(memberId),
    },
    visits: {
      recordSighting: (memberId: string, cameraId: string, _mallId: string, at: Date) => {
        sightings.push({ memberId, cameraId, at });
        const key = `${memberId}@${cameraId}`;
        const open = visitsOf.get(key);
        const newVisit = !open || at.getTime() - open.lastAt > 300_000;
        const visit = newVisit ? { id: `visit-${sightings.length}`, sightings: 1, lastAt: at.getTime() } : { ...open, sightings: open.sightings + 1, lastAt: at.getTime() };
        visitsOf.set(key, visit);
        const member = { id: memberId, name: null, kind: created.includes(memberId) ? 'visitor' : 'member' };
        return Promise.resolve({ visit: { id: visit.id, memberId, cameraId, firstSeenAt: at.toISOString(), lastSeenAt: at.toISOString(), sightings: visit.sightings }, newVisit, card: { member, profile: { tier: 'basic' } } });
      },
    },
    members: {
      createVisitor: (face: { descriptor: number[] }) => {
        const member = { id: `visitor-${created.length + 1}` };
        created.push(member.id);
        known.set(member.id, face.descriptor);
        return Promise.resolve({ member, created: true });
      },
    },
    tracks: new FaceTracks<TrackDecision>(rule, () => new Date(now)),
    feed,
    partitions: { addVisit: () => undefined },
    cameraMalls: { mallOf: () => Promise.resolve('default') },
    served: { holdsGroup: options.holdsGroup ?? true },
    visitors: { policy: 'track', minSightings: 3, pushedTrackTimeoutSeconds: 30, ...policy },
    adaptation: { offer: (candidate: { memberId: string; source: string }) => Promise.resolve(offers.push(candidate)).then(() => ({ added: false, reason: 'camera' })) },
    observer: { faceDecided: (source: FaceSource, outcome: string) => outcomes.push({ source, outcome }), visitSighted: () => undefined },
    counts: { add: ({ metric, cameraId }: { metric: string; cameraId: string }) => Promise.resolve(void counts.push({ metric, cameraId })) },
    clock: () => new Date(now),
    logger: pino({ level: 'silent' }),
  } as unknown as FrameServiceDeps;
  const service = new FrameService(deps);
  return {
    service,
    known,
    searches,
    sightings,
    outcomes,
    created,
    offers,
    counts,
    events,
    described,
    tracks: deps.tracks,
    show: (faces: FakeFace[]) => (frame = faces),
    advance: (ms: number) => (now += ms),
    at: () => new Date(now),
    setUnknownReason: (reason: UnknownReason) => (unknownReason = reason),
  };
}

describe('FrameService, pushed frames', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('decides a member once per track: one search, one sighting; later frames repeat the decision', async () => {
    const alice = person(1);
    h.known.set('alice', alice);
    const answers = [];
    for (const k of [0, 1, 2]) {
      h.show([{ descriptor: noisy(alice, k) }]);
      answers.push(await h.service.processFrame('door', Buffer.alloc(0)));
      h.advance(5_000);
    }
    expect(h.searches).toHaveLength(1);
    expect(h.sightings).toHaveLength(1);
    expect(h.outcomes).toEqual([{ source: 'frame', outcome: 'member' }]);
    const [first, second, third] = answers.map((a) => a.faces[0]!);
    expect(first).toMatchObject({ skipped: false, match: { memberId: 'alice' }, visit: { newVisit: true, sightings: 1 } });
    expect(second).toMatchObject({ match: { memberId: 'alice' }, visit: { id: first!.visit!.id, newVisit: false, sightings: 1 }, trackId: first!.trackId });
    expect(third!.trackId).toBe(first!.trackId);
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({ memberId: 'alice', trackId: first!.trackId, newVisit: true });
    // The decided track's face is offered once as a camera's adaptive template (refused there unless ADAPT_FROM_CAMERAS).
    expect(h.offers).toEqual([expect.objectContaining({ memberId: 'alice', source: 'camera' })]);
  });

  it("counts each track once for the dashboard's recognised share, and once more when it is first recognised", async () => {
    const h = harness({ policy: 'off' }); // no visitors: the stranger stays a stranger
    const alice = person(21);
    const stranger = person(22);
    h.show([{ descriptor: noisy(alice, 0) }, { descriptor: stranger }]);
    for (let k = 0; k < 3; k++) {
      await h.service.processFrame('door', Buffer.alloc(0));
      h.advance(1_000);
    }
    // Two tracks, neither known: two faces tracked, however many frames searched them.
    expect(h.counts).toEqual([{ metric: 'faces_tracked', cameraId: 'door' }, { metric: 'faces_tracked', cameraId: 'door' }]);
    h.known.set('alice', alice); // enrolled while she still stands there: her track is recognised
    await h.service.processFrame('door', Buffer.alloc(0));
    await h.service.processFrame('door', Buffer.alloc(0));
    expect(h.counts.filter((c) => c.metric === 'faces_recognised')).toEqual([{ metric: 'faces_recognised', cameraId: 'door' }]);
    expect(h.counts).toHaveLength(3);
  });

  it('decides afresh when the decided member is purged while the track lasts', async () => {
    const alice = person(12);
    h.known.set('alice', alice);
    h.show([{ descriptor: alice }]);
    expect((await h.service.processFrame('door', Buffer.alloc(0))).faces[0]).toMatchObject({ match: { memberId: 'alice' } });
    h.known.delete('alice'); // purged: gone from the index
    h.advance(2_000);
    expect((await h.service.processFrame('door', Buffer.alloc(0))).faces[0]).toMatchObject({ match: null, unknownReason: 'no_close_member' });
    // Nor does the erased member's face come back as a visitor from the same pass.
    for (let k = 0; k < 3; k++) await h.service.processFrame('door', Buffer.alloc(0));
    expect(h.created).toEqual([]);
    h.known.set('alice-again', alice); // enrolled again, as a new member
    h.advance(2_000);
    expect((await h.service.processFrame('door', Buffer.alloc(0))).faces[0]).toMatchObject({ match: { memberId: 'alice-again' }, visit: { newVisit: true } });
  });

  it('counts a second pass before the camera, after the track ended, as a second sighting of the same visit', async () => {
    const alice = person(2);
    h.known.set('alice', alice);
    h.show([{ descriptor: alice }]);
    const first = (await h.service.processFrame('door', Buffer.alloc(0))).faces[0]!;
    h.advance(60_000); // longer than the pushed track's 30 s, shorter than the visit's dedup window
    const again = (await h.service.processFrame('door', Buffer.alloc(0))).faces[0]!;
    expect(again.trackId).not.toBe(first.trackId);
    expect(again.visit).toMatchObject({ id: first.visit!.id, newVisit: false, sightings: 2 });
    expect(h.sightings).toHaveLength(2);
  });

  it('answers skipped faces in place, counted by reason, and never follows or searches them', async () => {
    const alice = person(3);
    h.known.set('alice', alice);
    h.show([{ descriptor: alice }, { descriptor: person(4), quality: blurred }]);
    const result = await h.service.processFrame('door', Buffer.alloc(0));
    expect(result.skipped).toEqual({ TOO_BLURRY: 1 });
    expect(result.faces[0]).toMatchObject({ skipped: false, match: { memberId: 'alice' } });
    expect(result.faces[1]).toMatchObject({ skipped: true, match: null, unknownReason: 'low_quality' });
    expect(result.faces[1]!.trackId).toBeUndefined();
    expect(h.searches).toHaveLength(1);
    expect(h.tracks.active('door')).toBe(1);
  });

  it('refuses a capture time in the future', async () => {
    h.show([{ descriptor: person(5) }]);
    await expect(h.service.processFrame('door', Buffer.alloc(0), new Date(h.at().getTime() + 3_600_000))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('FrameService, visitors', () => {
  it('makes an unknown track a visitor at the third frame, once, then answers it as that visitor', async () => {
    const h = harness();
    const stranger = person(6);
    const answers = [];
    for (const k of [0, 1, 2, 3]) {
      h.show([{ descriptor: noisy(stranger, k) }]);
      answers.push((await h.service.processFrame('door', Buffer.alloc(0))).faces[0]!);
      h.advance(2_000);
    }
    expect(answers[0]).toMatchObject({ match: null, unknownReason: 'no_close_member' });
    expect(answers[1]).toMatchObject({ match: null });
    expect(answers[2]).toMatchObject({ visitorCreated: true, match: { memberId: 'visitor-1' }, visit: { newVisit: true } });
    expect(answers[3]).toMatchObject({ match: { memberId: 'visitor-1' }, visit: { newVisit: false } });
    expect(answers[3]!.visitorCreated).toBeUndefined();
    expect(h.created).toEqual(['visitor-1']);
    expect(h.sightings).toHaveLength(1);
    expect(h.events[0]).toMatchObject({ visitorCreated: true, kind: 'visitor' });
  });

  it('makes no visitor under policy off, of an ambiguous face, or of an unsearched one on a replica holding part of the group', async () => {
    for (const [h, reason] of [
      [harness({ policy: 'off' }), 'no_close_member'],
      [harness(), 'ambiguous'],
      [harness({}, { holdsGroup: false }), 'needs_second_factor'],
    ] as const) {
      h.setUnknownReason(reason);
      for (const k of [0, 1, 2, 3, 4]) {
        h.show([{ descriptor: noisy(person(7), k) }]);
        const face = (await h.service.processFrame('door', Buffer.alloc(0))).faces[0]!;
        expect(face).toMatchObject({ match: null, unknownReason: reason });
      }
      expect(h.created).toEqual([]);
    }
  });

  it('makes one of a stranger the group was too large to search, on a replica that holds the whole group', async () => {
    const h = harness();
    h.setUnknownReason('needs_second_factor');
    for (const k of [0, 1, 2]) {
      h.show([{ descriptor: noisy(person(8), k) }]);
      await h.service.processFrame('door', Buffer.alloc(0));
    }
    expect(h.created).toEqual(['visitor-1']);
  });

  it('keeps two strangers in one frame apart: two tracks, two visitors, never one of both', async () => {
    const h = harness();
    const [a, b] = [person(9), person(10)];
    for (const k of [0, 1, 2]) {
      h.show([{ descriptor: noisy(a, k) }, { descriptor: noisy(b, k) }]);
      await h.service.processFrame('door', Buffer.alloc(0));
    }
    expect(h.created).toEqual(['visitor-1', 'visitor-2']);
    expect(rule.samePerson(h.known.get('visitor-1')!, a)).toBe(true);
    expect(rule.samePerson(h.known.get('visitor-2')!, b)).toBe(true);
  });
});

describe('FrameService, pulled streams', () => {
  it('follows a walk through the same tracks: one search until decided, one sighting, counted as stream', async () => {
    const h = harness();
    const alice = person(11);
    h.known.set('alice', alice);
    for (const k of [0, 1, 2, 3]) {
      h.show([{ descriptor: noisy(alice, k), x: 100 + k * 40 }]);
      expect(await h.service.processPulledFrame('gate', Buffer.alloc(0), h.at())).toBe(1);
      h.advance(250);
    }
    expect(h.searches).toHaveLength(1);
    expect(h.sightings).toEqual([expect.objectContaining({ memberId: 'alice', cameraId: 'gate' })]);
    expect(h.outcomes).toEqual([{ source: 'stream', outcome: 'member' }]);
    // Decided at the first frame: the next three faces, where her track was, are not described again.
    expect(h.described).toEqual([1, 0, 0, 0]);
    h.service.releaseCamera('gate');
    expect(h.tracks.active('gate')).toBe(0);
  });

  it("describes a face that jumped, a newcomer beside a decided track, and an unknown track's faces until its best five are in", async () => {
    const h = harness({ policy: 'off' });
    const alice = person(12);
    const stranger = person(13);
    h.known.set('alice', alice);
    const frames: { faces: Parameters<typeof h.show>[0]; described: number }[] = [
      { faces: [{ descriptor: noisy(alice, 0), x: 100 }], described: 1 },
      { faces: [{ descriptor: noisy(alice, 1), x: 130 }], described: 0 },
      // Two face widths away in a quarter-second: not where the track was, described, and still her track.
      { faces: [{ descriptor: noisy(alice, 2), x: 400 }], described: 1 },
      // A stranger steps in beside her: described; she is not.
      { faces: [{ descriptor: noisy(alice, 3), x: 420 }, { descriptor: noisy(stranger, 0), x: 800 }], described: 1 },
      ...[1, 2, 3, 4].map((k) => ({ faces: [{ descriptor: noisy(alice, 3 + k), x: 420 }, { descriptor: noisy(stranger, k), x: 800 + 10 * k }], described: 1 })),
      // The stranger's best five faces are in, and this one is no better: known, not described.
      { faces: [{ descriptor: noisy(alice, 8), x: 420 }, { descriptor: noisy(stranger, 5), x: 850 }], described: 0 },
    ];
    for (const frame of frames) {
      h.show(frame.faces);
      await h.service.processPulledFrame('gate', Buffer.alloc(0), h.at());
      h.advance(250);
    }
    expect(h.described).toEqual(frames.map((f) => f.described));
    expect(h.tracks.active('gate')).toBe(2); // one track each, however they were known
    expect(h.sightings).toHaveLength(1);
    // The unknown track is searched each frame with its best faces, described or not; never a visitor here.
    expect(h.outcomes.filter((o) => o.outcome !== 'member')).toHaveLength(6);
  });
});
