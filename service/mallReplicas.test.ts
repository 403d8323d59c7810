import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from './testSupport/apiClient.js';
import { cropFace, PERSON_A, PERSON_B } from './testSupport/facePhotos.js';
import { startReplica, type ReplicaProcess } from './testSupport/replicaProcess.js';
import { ADMIN_AUTH, createTestDatabase, makeDataDir, type TestDatabase } from './testSupport/testVisage.js';

/**
 * Past one node: two replica processes on one PostgreSQL, each serving one mall (SERVE_MALLS) and
 * holding only that mall's regulars in memory, the group too large to search (as at millions of
 * members: GROUP_SEARCH_MAX_TEMPLATES=0). A member of mall A is unknown at a mall-B till until the
 * second factor (read from PostgreSQL) finds them; after that B knows them by face alone.
 */

let db: TestDatabase;
let dirs: string[] = [];
let north: ReplicaProcess;
let south: ReplicaProcess;

const adminOf = (replica: () => ReplicaProcess) => apiClient(() => replica().url, ADMIN_AUTH);
const adminNorth = adminOf(() => north);
const adminSouth = adminOf(() => south);

async function indexTemplates(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^visage_index_templates (\d+)/m.exec(text)![1]);
}

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  dirs = [await makeDataDir(), await makeDataDir()];
  // The partitions (and the group's size) are read every second here, not every 30.
  // Adaptive templates off: the test counts the templates each replica holds.
  const env = { DATABASE_URL: db.url, GROUP_SEARCH_MAX_TEMPLATES: '0', LIVENESS_DEFAULT_POS: 'off', PARTITIONS_REFRESH_SECONDS: '1', ADAPT_MAX_TEMPLATES: '0' };
  // The first replica migrates the schema; the malls exist before the second one reads them.
  north = await startReplica({ ...env, VISAGE_DATA_DIR: dirs[0]!, SERVE_MALLS: 'north' });
  for (const id of ['north', 'south']) expect((await adminNorth.post('/v1/malls', { id, name: id })).status).toBe(201);
  south = await startReplica({ ...env, VISAGE_DATA_DIR: dirs[1]!, SERVE_MALLS: 'south' });
}, 180_000);

afterAll(async () => {
  await Promise.all([north?.stop(), south?.stop()]);
  await db?.drop();
  await Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

describe('two replicas, two malls', () => {
  it("holds only its malls' members, and finds another mall's member by the second factor, then by face", async () => {
    const created = await adminNorth.post('/v1/members', { name: 'A', phone: '+8613800055501', homeMallId: 'north', consent: { faceRecognition: true, source: 'desk' } });
    const memberId = created.body.id as string;
    expect((await adminNorth.postImage(`/v1/members/${memberId}/faces`, await cropFace(PERSON_A))).status).toBe(201);
    // A south member, enrolled on the north replica: it goes to the south replica's memory only.
    const other = await adminNorth.post('/v1/members', { name: 'B', phone: '+8613800055502', homeMallId: 'south', consent: { faceRecognition: true, source: 'desk' } });
    expect((await adminNorth.postImage(`/v1/members/${other.body.id}/faces`, await cropFace(PERSON_B))).status).toBe(201);
    await eventually(async () => (await indexTemplates(south.url)) === 1);
    expect(await indexTemplates(north.url)).toBe(1);
    // Both replicas know the group's size (PostgreSQL's count) by their next read of the partitions.
    await eventually(async () => (await adminSouth.get('/v1/admin/recognition?mallId=south')).body.malls[0].partitions[2].templates === 2);

    const tillNorth = apiClient(() => north.url, { authorization: `Bearer ${(await adminNorth.post('/v1/keys', { role: 'pos', name: 'north till', mallId: 'north' })).body.key}` });
    const tillSouth = apiClient(() => south.url, { authorization: `Bearer ${(await adminSouth.post('/v1/keys', { role: 'pos', name: 'south till', mallId: 'south' })).body.key}` });
    const identify = async (till: typeof tillNorth, width: number) => (await till.postImage('/v1/identify?maxFaces=1', await cropFace(PERSON_A, { width }))).body.faces[0];

    expect((await identify(tillNorth, 280)).match).toMatchObject({ memberId, via: 'regulars' });
    const atSouth = await identify(tillSouth, 270);
    expect(atSouth).toMatchObject({ match: null, unknownReason: 'needs_second_factor' });

    const found = await tillSouth.post('/v1/identify/second-factor', { recognitionId: atSouth.recognitionId, phoneLast4: '5501' });
    expect(found.body.faces[0].match).toMatchObject({ memberId, via: 'second-factor' });
    // The south replica now holds the member, and knows them by face alone.
    expect(await indexTemplates(south.url)).toBe(2);
    expect((await identify(tillSouth, 260)).match).toMatchObject({ memberId, via: 'regulars' });

    // A purge on the north replica erases the member from the south replica's memory too.
    expect((await adminNorth.call('DELETE', `/v1/members/${memberId}`)).status).toBe(200);
    await eventually(async () => (await indexTemplates(south.url)) === 1);
    expect((await identify(tillSouth, 260)).match).toBeNull();
  });
});
