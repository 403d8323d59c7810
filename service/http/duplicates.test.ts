import fs from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Visage } from '../app/startVisage.js';
import { apiClient, expectError } from '../testSupport/apiClient.js';
import { cropFace, PERSON_A, PERSON_B, STRANGERS } from '../testSupport/facePhotos.js';
import { FACE_MODELS, readCalibratedThresholds } from '../../models/faceModels.js';
import { person, unit } from '../testSupport/syntheticFaces.js';
import { ADMIN_AUTH, createTestDatabase, makeDataDir, startTestVisage, type TestDatabase } from '../testSupport/testVisage.js';

/**
 * Double enrollment at a group's scale, over HTTP on one PostgreSQL: a replica serving the south
 * mall holds only its regulars, so the same face enrolled at north and at south gets past its
 * check (unless the phone's last digits name the other member); the sweep on a replica holding
 * the whole group lists the pair, and an operator merges or dismisses it.
 */

let db: TestDatabase;
let dirs: string[] = [];
let group: Visage;
let south: Visage;
let sql: pg.Pool;
const atGroup = apiClient(() => group.url, ADMIN_AUTH);
const atSouth = apiClient(() => south.url, ADMIN_AUTH);
const consent = { faceRecognition: true, source: 'desk' };
/** The default model's committed thresholds (models/thresholds), which these replicas run with. */
const CALIBRATED = readCalibratedThresholds(FACE_MODELS['yunet-fr512+omz256']);

async function member(api: typeof atGroup, body: Record<string, unknown>): Promise<string> {
  const created = await api.post('/v1/members', { consent, ...body });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

beforeAll(async () => {
  db = await createTestDatabase();
  dirs = [await makeDataDir(), await makeDataDir()];
  group = await startTestVisage({ DATABASE_URL: db.url, VISAGE_DATA_DIR: dirs[0]!, INFERENCE_THREADS: '1' });
  await group.modelsReady;
  for (const id of ['north', 'south']) expect((await atGroup.post('/v1/malls', { id, name: id })).status).toBe(201);
  south = await startTestVisage({ DATABASE_URL: db.url, VISAGE_DATA_DIR: dirs[1]!, INFERENCE_THREADS: '1', SERVE_MALLS: 'south' });
  await south.modelsReady;
  sql = new pg.Pool({ connectionString: db.url, max: 1 });
}, 180_000);

afterAll(async () => {
  await sql?.end();
  await Promise.all([group?.close(), south?.close()]);
  await db?.drop();
  await Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

describe('suspected double enrollments', () => {
  it('refuses at enrollment a face the phone bucket already has, lists the rest for an operator, and merges', async () => {
    const north = await member(atGroup, { name: 'North A', phone: '+8613800077701', homeMallId: 'north' });
    expect((await atGroup.postImage(`/v1/members/${north}/faces`, await cropFace(PERSON_A))).status).toBe(201);

    // At the south replica: the same face under a phone with the same last four digits is refused …
    const sameDigits = await member(atSouth, { name: 'South A?', phone: '+8613900077701', homeMallId: 'south' });
    expectError(await atSouth.postImage(`/v1/members/${sameDigits}/faces`, await cropFace(PERSON_A, { width: 280 })), 409, 'FACE_ALREADY_ENROLLED');
    // … under another number it gets through: this replica does not hold the north mall's members.
    const south2 = await member(atSouth, { name: 'South A', phone: '+8613700012399', homeMallId: 'south' });
    expect((await atSouth.postImage(`/v1/members/${south2}/faces`, await cropFace(PERSON_A, { width: 260 }))).status).toBe(201);
    const purchase = await atSouth.post(
      `/v1/members/${south2}/purchases`,
      { transactionId: 'dup-1', amount: 250, currency: 'CNY', items: [{ sku: 'X', category: 'shoes', quantity: 1, price: 250 }] },
      { authorization: `Bearer ${(await atSouth.post('/v1/keys', { role: 'pos', name: 'till' })).body.key}` },
    );
    expect(purchase.status).toBe(201);

    // The south replica does not hold the group: it leaves the sweep to one that does.
    expect(await south.maintenance.sweepDuplicates()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the group replica follows the change log
    await group.maintenance.sweepDuplicates();
    expect(await group.maintenance.sweepDuplicates()).toBe(0); // nothing new since

    const listed = (await atGroup.get('/v1/admin/duplicates')).body.duplicates.filter((d: { memberId: string; otherMemberId: string }) =>
      [d.memberId, d.otherMemberId].includes(north),
    );
    expect(listed).toHaveLength(1);
    expect([listed[0].memberId, listed[0].otherMemberId].sort()).toEqual([north, south2].sort());
    expect([listed[0].member.name, listed[0].otherMember.name].sort()).toEqual(['North A', 'South A']);
    expect(listed[0]).toMatchObject({ status: 'pending' });
    expect(listed[0].similarity).toBeGreaterThan(CALIBRATED.match); // the default model's MATCH_THRESHOLD

    expectError(await atGroup.post(`/v1/admin/duplicates/${listed[0].id}/merge`, { keep: sameDigits }), 400, 'VALIDATION_FAILED');
    const merged = await atGroup.post(`/v1/admin/duplicates/${listed[0].id}/merge`, { keep: north });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ keptMemberId: north, purgedMemberId: south2, moved: { purchases: 1, points: 250 }, purged: { faces: 1 } });
    // The kept member has the purchase and its points; the other is gone, with its suspicion.
    const kept = (await atGroup.get(`/v1/members/${north}`)).body;
    expect(kept.profile.pointsBalance).toBe(250);
    expectError(await atGroup.get(`/v1/members/${south2}`), 404, 'MEMBER_NOT_FOUND');
    expect((await atGroup.get('/v1/admin/duplicates')).body.duplicates.some((d: { id: string }) => d.id === listed[0].id)).toBe(false);
    expectError(await atGroup.post(`/v1/admin/duplicates/${listed[0].id}/dismiss`), 404, 'DUPLICATE_NOT_FOUND');
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM duplicate_suspects WHERE member_id = $1 OR other_member_id = $1', [south2]);
    expect(rows[0].n).toBe(0);
  });

  it('dismisses a pair, which then stays decided', async () => {
    const a = await member(atGroup, { homeMallId: 'north' });
    expect((await atGroup.postImage(`/v1/members/${a}/faces`, await cropFace(STRANGERS[1]!))).status).toBe(201);
    const b = await member(atSouth, { homeMallId: 'south' });
    expect((await atSouth.postImage(`/v1/members/${b}/faces`, await cropFace(STRANGERS[1]!, { width: 260 }))).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await group.maintenance.sweepDuplicates();
    const pair = (await atGroup.get('/v1/admin/duplicates')).body.duplicates.find((d: { memberId: string; otherMemberId: string }) => [d.memberId, d.otherMemberId].includes(b));
    expect(pair).toBeDefined();
    const dismissed = await atGroup.post(`/v1/admin/duplicates/${pair.id}/dismiss`);
    expect(dismissed.body).toMatchObject({ id: pair.id, status: 'dismissed' });
    expectError(await atGroup.post(`/v1/admin/duplicates/${pair.id}/merge`, { keep: a }), 409, 'DUPLICATE_DECIDED');
    expect((await atGroup.get('/v1/admin/duplicates')).body.duplicates.some((d: { id: string }) => d.id === pair.id)).toBe(false);
  });
});

describe('calibration on the deployment\'s own faces', () => {
  it('reports the thresholds in force against pairs of different members, leaving out a pair under review', async () => {
    const a = await member(atGroup, { homeMallId: 'north' });
    expect((await atGroup.postImage(`/v1/members/${a}/faces`, await cropFace(STRANGERS[0]!))).status).toBe(201);
    const b = await member(atSouth, { homeMallId: 'south' });
    expect((await atSouth.postImage(`/v1/members/${b}/faces`, await cropFace(STRANGERS[0]!, { width: 250 }))).status).toBe(201);
    const c = await member(atGroup, { homeMallId: 'north' });
    expect((await atGroup.postImage(`/v1/members/${c}/faces`, await cropFace(STRANGERS[2]!))).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await group.maintenance.sweepDuplicates(); // a and b: one person enrolled twice, listed for review

    const operator = (await atGroup.post('/v1/keys', { role: 'operator', name: 'desk' })).body.key;
    expectError(await atGroup.post('/v1/admin/calibration', undefined, { authorization: `Bearer ${operator}` }), 403, 'FORBIDDEN');
    const res = await atGroup.post('/v1/admin/calibration');
    expect(res.status).toBe(200);
    const report = res.body;
    const members = report.members as number;
    expect(members).toBeGreaterThanOrEqual(3);
    // Every pair of different members but the one under review; the review's pair is the closest.
    expect(report.pairs + report.excludedSuspectedDuplicates).toBe((members * (members - 1)) / 2);
    expect(report.excludedSuspectedDuplicates).toBeGreaterThanOrEqual(1);
    expect(report.closestPairs.some((p: { memberId: string; otherMemberId: string }) => [p.memberId, p.otherMemberId].sort().join() === [a, b].sort().join())).toBe(false);
    expect(report.thresholds.map((t: { name: string }) => t.name)).toEqual(['match', 'today', 'verify']);
    expect(report.thresholds[0]).toMatchObject({ threshold: CALIBRATED.match, deploymentFmr: expect.any(Number), lfwFmr: expect.any(Number) });
    // A handful of members cannot show a false-match rate small enough for TARGET_FPIR: no suggestion.
    expect(report).toMatchObject({ sampled: false, suggestedMatchThreshold: null, targetFpir: 0.001, group: { templates: expect.any(Number) } });
    // Audited (audit records are written in batches a moment after the request).
    const audited = async () => (await sql.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'admin.calibration' AND outcome = 'ok'")).rows[0].n as number;
    for (let tries = 0; tries < 50 && (await audited()) === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await audited()).toBe(1);
  });
});

describe('thresholds applied after calibration', () => {
  /** A probe exactly `similarity` from a face (the other direction made up, seeded). */
  function probeAt(face: number[], similarity: number): number[] {
    const other = person(4_102, face.length);
    const along = other.reduce((sum, v, i) => sum + v * face[i]!, 0);
    const orthogonal = unit(other.map((v, i) => v - along * face[i]!));
    return face.map((v, i) => similarity * v + Math.sqrt(1 - similarity ** 2) * orthogonal[i]!);
  }
  const matchOf = async (descriptor: number[]) => ((await atGroup.post('/v1/identify', { descriptor })).body.faces[0].match as { memberId: string } | null)?.memberId ?? null;
  const inForce = async (api: typeof atGroup) => (await api.get('/v1/me')).body.thresholds as { match: number; today: number; verify: number };

  it('puts an admin\'s MATCH_THRESHOLD in force on every replica, audited, and withdraws it', async () => {
    const id = await member(atGroup, { homeMallId: 'north' });
    const enrolled = await atGroup.postImage(`/v1/members/${id}/faces`, await cropFace(PERSON_B));
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    const face = (await atGroup.get(`/v1/members/${id}/faces/descriptors`)).body.faces[0].descriptor as number[];
    const probe = probeAt(face, 0.57);
    expect(await matchOf(probe)).toBe(id); // 0.57 passes the calibrated MATCH_THRESHOLD
    const configured = await inForce(atGroup);
    expect(configured).toMatchObject({ match: CALIBRATED.match, today: CALIBRATED.today });

    const operator = (await atGroup.post('/v1/keys', { role: 'operator', name: 'desk' })).body.key;
    expectError(await atGroup.post('/v1/admin/thresholds', { matchThreshold: 0.6 }, { authorization: `Bearer ${operator}` }), 403, 'FORBIDDEN');
    // Looser than the 1:1 threshold, or not a number: refused, and nothing changes.
    const tooLoose = await atGroup.post('/v1/admin/thresholds', { matchThreshold: 0.2 });
    expectError(tooLoose, 400, 'VALIDATION_FAILED');
    expect(JSON.stringify(tooLoose.body)).toMatch(/VERIFY_THRESHOLD/);
    expectError(await atGroup.post('/v1/admin/thresholds', { matchThreshold: 'strict' }), 400, 'VALIDATION_FAILED');
    expect((await atGroup.get('/v1/admin/thresholds')).body).toMatchObject({ applied: null, inForce: configured });

    try {
      const applied = await atGroup.post('/v1/admin/thresholds', { matchThreshold: 0.6 });
      expect(applied.status).toBe(200);
      // The seen-today threshold keeps its distance below the match threshold; the 1:1 one stays.
      expect(applied.body).toMatchObject({ configured: { match: CALIBRATED.match }, inForce: { match: 0.6, today: 0.56, verify: configured.verify }, applied: { match: 0.6, today: 0.56, appliedBy: expect.any(String) } });
      // Fitted for the group as it is now (the size rule starts from it there).
      expect(applied.body.applied.fittedFor).toEqual({ templates: expect.any(Number), targetFpir: expect.any(Number) });
      expect(applied.body.applied.fittedFor.templates).toBeGreaterThanOrEqual(1);
      expect(await inForce(atGroup)).toMatchObject({ match: 0.6, today: 0.56 });
      expect(await matchOf(probe)).toBeNull(); // the same probe is now unknown
      // The other replica hears of it (LISTEN/NOTIFY) without a restart.
      for (let tries = 0; tries < 50 && (await inForce(atSouth)).match !== 0.6; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await inForce(atSouth)).toMatchObject({ match: 0.6, today: 0.56 });
      const partitions = (await atGroup.get('/v1/admin/recognition')).body.malls.flatMap((m: { partitions: { threshold: number | null }[] }) => m.partitions);
      for (const p of partitions) if (p.threshold !== null) expect(p.threshold).toBeGreaterThanOrEqual(0.56);
    } finally {
      const withdrawn = await atGroup.call('DELETE', '/v1/admin/thresholds');
      expect(withdrawn.body).toMatchObject({ applied: null, inForce: configured });
    }
    expect(await matchOf(probe)).toBe(id);
    for (let tries = 0; tries < 50 && (await inForce(atSouth)).match !== CALIBRATED.match; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await inForce(atSouth)).toMatchObject(configured);

    const audited = async () => (await sql.query("SELECT action, details FROM audit_log WHERE action LIKE 'admin.thresholds.%' AND outcome = 'ok' ORDER BY at")).rows;
    for (let tries = 0; tries < 50 && (await audited()).length < 2; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await audited()).map((r) => [r.action, r.details.after.match])).toEqual([
      ['admin.thresholds.apply', 0.6],
      ['admin.thresholds.withdraw', CALIBRATED.match],
    ]);
    // And an operator finds them by their action through the API (three-part names filter too).
    const listed = await atGroup.call('GET', '/v1/audit?action=admin.thresholds.apply');
    expect(listed.status).toBe(200);
    expect(new Set(listed.body.items.map((e: { action: string }) => e.action))).toEqual(new Set(['admin.thresholds.apply']));
    expect(listed.body.items.some((e: { outcome: string }) => e.outcome === 'ok')).toBe(true);
    // The member's purge leaves the rest of this file's state as it was.
    expect((await atGroup.call('DELETE', `/v1/members/${id}`)).status).toBeLessThan(300);
  });
});
