import { describe, expect, it } from 'vitest';
import { FaceTracks, PULLED_TRACKS, pushedTracks } from './faceTracks.js';
import { noisy, person, testRule } from '../../testSupport/syntheticFaces.js';

const rule = testRule;
const box = (x: number) => ({ x, y: 100, width: 100, height: 120 });
const PUSHED = pushedTracks(30);

/** Tracks on a clock the test moves. */
function tracker() {
  let now = 1_000_000;
  const tracks = new FaceTracks(rule, () => new Date(now));
  return { tracks, advance: (ms: number) => (now += ms), now: () => now };
}

describe('face tracks, pulled streams', () => {
  it('follows each face across frames by position and likeness, and starts a track for a new face', () => {
    const { tracks } = tracker();
    const [a, b] = [person(1), person(2)];
    const first = tracks.observe('gate', [{ box: box(100), descriptor: a, weight: 0.9 }, { box: box(500), descriptor: b, weight: 0.8 }], 0, PULLED_TRACKS);
    const second = tracks.observe('gate', [{ box: box(180), descriptor: noisy(a, 1), weight: 0.7 }, { box: box(560), descriptor: noisy(b, 1), weight: 0.9 }], 250, PULLED_TRACKS);
    expect(second.map((t) => t.id)).toEqual(first.map((t) => t.id));
    expect(second[0]!.frames).toBe(2);
    // The same likeness far from where the track was is another person walking in.
    const far = tracks.observe('gate', [{ box: box(1200), descriptor: noisy(a, 2), weight: 0.9 }], 500, PULLED_TRACKS);
    expect(far[0]!.id).not.toBe(first[0]!.id);
    // Another camera has its own tracks.
    expect(tracks.observe('door', [{ box: box(100), descriptor: a, weight: 0.9 }], 500, PULLED_TRACKS)[0]!.id).not.toBe(first[0]!.id);
  });

  it('ends a track not seen for a while, and speaks for it with its best faces', () => {
    const { tracks } = tracker();
    const a = person(3);
    const [track] = tracks.observe('gate', [{ box: box(100), descriptor: a, weight: 0.2 }], 0, PULLED_TRACKS);
    tracks.observe('gate', [{ box: box(120), descriptor: noisy(a, 1), weight: 0.9 }], 200, PULLED_TRACKS);
    expect(rule.sameFace(track!.representative(), a)).toBe(true);
    const later = tracks.observe('gate', [{ box: box(130), descriptor: a, weight: 0.9 }], 200 + PULLED_TRACKS.timeoutMs + 1, PULLED_TRACKS);
    expect(later[0]!.id).not.toBe(track!.id);
    expect(tracks.active('gate')).toBe(1);
  });
});

describe('face tracks, pushed frames', () => {
  it('follows a face posted seconds apart wherever it is in the frame, and ends its track after the timeout', () => {
    const { tracks } = tracker();
    const a = person(4);
    const [first] = tracks.observe('door', [{ box: box(100), descriptor: a, weight: 0.9 }], 0, PUSHED);
    // 20 s later and across the frame: still the same track (frames seconds apart).
    const [second] = tracks.observe('door', [{ box: box(1500), descriptor: noisy(a, 1), weight: 0.9 }], 20_000, PUSHED);
    expect(second!.id).toBe(first!.id);
    expect(second!.frames).toBe(2);
    // Unseen for longer than the timeout: a new track (a new sighting).
    const [third] = tracks.observe('door', [{ box: box(100), descriptor: a, weight: 0.9 }], 20_000 + 30_001, PUSHED);
    expect(third!.id).not.toBe(first!.id);
    // A frame captured long before the track is not it either (a camera's backlog arriving late).
    const [early] = tracks.observe('door', [{ box: box(100), descriptor: a, weight: 0.9 }], -60_000, PUSHED);
    expect(early!.id).not.toBe(third!.id);
  });

  it('never puts two faces of one frame in one track, and keeps different people apart', () => {
    const { tracks } = tracker();
    const [a, b] = [person(5), person(6)];
    expect(rule.sameFace(a, b)).toBe(false);
    const twins = tracks.observe('door', [{ box: box(100), descriptor: a, weight: 0.9 }, { box: box(400), descriptor: noisy(a, 1), weight: 0.9 }], 0, PUSHED);
    expect(twins[0]!.id).not.toBe(twins[1]!.id);
    const [other] = tracks.observe('door', [{ box: box(100), descriptor: b, weight: 0.9 }], 1000, PUSHED);
    expect(twins.map((t) => t.id)).not.toContain(other!.id);
    expect(tracks.active('door')).toBe(3);
  });

  it("frees a quiet camera's tracks, and keeps a crowd's to a bound", () => {
    const { tracks, advance } = tracker();
    tracks.observe('quiet', [{ box: box(100), descriptor: person(7), weight: 0.9 }], 0, PUSHED);
    for (let i = 0; i < 520; i++) tracks.observe('crowd', [{ box: box(100), descriptor: person(100 + i), weight: 0.9 }], i, PUSHED);
    expect(tracks.active('crowd')).toBeLessThanOrEqual(500);
    // The quiet camera posts nothing more; another camera's frame, after the timeout, sweeps it.
    advance(31_000);
    tracks.observe('busy', [{ box: box(100), descriptor: person(8), weight: 0.9 }], 31_000, PUSHED);
    expect(tracks.active('quiet')).toBe(0);
    expect(tracks.active('crowd')).toBe(0);
    expect(tracks.cameras).toBe(1);
  });
});
