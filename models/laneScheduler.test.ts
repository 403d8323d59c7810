import { describe, expect, it } from 'vitest';
import { LaneScheduler, OverloadedError, type Lane } from './laneScheduler.js';

/** A job that finishes when told to. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return { open, job: () => done };
}

describe('the inference lanes', () => {
  it('runs the till first, enrollment next, camera frames last, whatever arrived first', async () => {
    const order: string[] = [];
    const scheduler = new LaneScheduler(1, { pos: { maxQueued: 10 }, enroll: { maxQueued: 10 }, camera: { maxQueued: 10 } });
    const blocker = gate();
    const busy = scheduler.run('camera', blocker.job);
    const tasks = (['camera', 'enroll', 'camera', 'pos', 'enroll', 'pos'] as Lane[]).map((lane, i) =>
      scheduler.run(lane, () => {
        order.push(`${lane}${i}`);
        return Promise.resolve();
      }),
    );
    blocker.open();
    await Promise.all([busy, ...tasks]);
    expect(order).toEqual(['pos3', 'pos5', 'enroll1', 'enroll4', 'camera0', 'camera2']);
  });

  it('sheds a task whose lane is full at once, and drops a camera frame that waited too long', async () => {
    let now = 0;
    const shed: string[] = [];
    const scheduler = new LaneScheduler(
      1,
      { pos: { maxQueued: 1 }, enroll: { maxQueued: 1 }, camera: { maxQueued: 2, maxWaitMs: 500 } },
      { started: () => undefined, shed: (lane, why) => shed.push(`${lane} ${why}`) },
      () => now,
    );
    const blocker = gate();
    const busy = scheduler.run('pos', blocker.job);
    const queuedPos = scheduler.run('pos', () => Promise.resolve('served'));
    await expect(scheduler.run('pos', () => Promise.resolve('never'))).rejects.toBeInstanceOf(OverloadedError);
    const lateFrame = scheduler.run('camera', () => Promise.resolve('analysed'));
    expect(scheduler.queued('camera')).toBe(1);
    now = 800; // the frame has waited 800 ms by the time a worker frees up
    blocker.open();
    await busy;
    expect(await queuedPos).toBe('served');
    await expect(lateFrame).rejects.toMatchObject({ lane: 'camera' });
    expect(shed).toEqual(['pos queue_full', 'camera too_late']);
  });

  it('keeps a worker free of camera frames for the till', async () => {
    const scheduler = new LaneScheduler(2, { pos: { maxQueued: 10 }, enroll: { maxQueued: 10 }, camera: { maxQueued: 10, maxRunning: 1 } });
    const frames = [gate(), gate()];
    const running = frames.map((f) => scheduler.run('camera', f.job));
    expect(scheduler.queued('camera')).toBe(1); // the second frame waits: one worker is the till's
    expect(await scheduler.run('pos', () => Promise.resolve('served at once'))).toBe('served at once');
    for (const f of frames) f.open();
    await Promise.all(running);
  });
});

