import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { MjpegSource } from './testSupport/mjpegSource.js';
import { S3BlobStore } from './blob/s3BlobStore.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embeddedPostgres.js';
import { apiClient, expectError } from './testSupport/apiClient.js';
import { composeFrame, cropFace, PERSON_A, PERSON_B, STRANGERS } from './testSupport/facePhotos.js';
import { freePort } from './testSupport/freePort.js';
import { startReplica, type ReplicaProcess } from './testSupport/replicaProcess.js';
import { startTestS3, S3_CREDENTIALS, type TestS3 } from './testSupport/s3Server.js';
import { ADMIN_AUTH, createTestDatabase, makeDataDir, type TestDatabase } from './testSupport/testVisage.js';
import { hasFfmpeg } from './testSupport/tools.js';

/**
 * Replicas and faults, with the service running as separate processes (as on Kubernetes): two
 * replicas on one PostgreSQL and one S3 store, a replica killed with SIGKILL in a burst of
 * enrollments, the photo store stopped, and PostgreSQL stopped and started again.
 */


const processes: ReplicaProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let s3: TestS3;

async function replica(env: Record<string, string>): Promise<ReplicaProcess> {
  const started = await startReplica(env);
  processes.push(started);
  return started;
}

const client = (replicaOf: () => ReplicaProcess) => apiClient(() => replicaOf().url, ADMIN_AUTH);

async function indexTemplates(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^visage_index_templates (\d+)/m.exec(text)![1]);
}

/** Polls until `check` holds; returns the milliseconds it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`not within ${ms} ms`);
}

async function newMember(api: ReturnType<typeof apiClient>): Promise<string> {
  const res = await api.post('/v1/members', { name: 'Replica Test', consent: { faceRecognition: true, source: 'desk' } });
  expect(res.status).toBe(201);
  return res.body.id;
}

beforeAll(async () => {
  s3 = await startTestS3();
});

afterAll(async () => {
  for (const p of processes) await p.kill9().catch(() => undefined);
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await s3?.remove();
});

describe('two replicas on one PostgreSQL', () => {
  let db: TestDatabase;
  let a: ReplicaProcess;
  let b: ReplicaProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const dirs = [await makeDataDir(), await makeDataDir()];
    cleanups.push(() => Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true }))));
    const started = await Promise.all(dirs.map((dir) => replica({ DATABASE_URL: db.url, VISAGE_DATA_DIR: dir, ...s3.env, S3_BUCKET: 'two-replicas' })));
    [a, b] = [started[0]!, started[1]!];
  });

  it('shows an enrollment on A in B within 1 s, and a purge on A in B within 1 s', async () => {
    const onA = client(() => a);
    const onB = client(() => b);
    const memberId = await newMember(onA);
    const before = await indexTemplates(b.url);
    expect((await onA.postImage(`/v1/members/${memberId}/faces`, await cropFace(PERSON_A))).status).toBe(201);
    const addDelay = await within(1000, async () => (await indexTemplates(b.url)) === before + 1);
    const identified = await onB.postImage('/v1/identify?maxFaces=1', await cropFace(PERSON_A, { width: 260 }));
    expect(identified.body.faces[0].match?.memberId).toBe(memberId);

    expect((await onA.call('DELETE', `/v1/members/${memberId}`)).status).toBe(200);
    const removeDelay = await within(1000, async () => (await indexTemplates(b.url)) === before);
    const after = await onB.postImage('/v1/identify?maxFaces=1', await cropFace(PERSON_A, { width: 260 }));
    expect(after.body.faces[0].match).toBeNull();
    console.log(`replica catch-up: enrollment ${addDelay.toFixed(0)} ms, purge ${removeDelay.toFixed(0)} ms`);
  });
});

describe('a replica killed with SIGKILL during a burst of enrollments', () => {
  let db: TestDatabase;
  let dataDir: string;
  let sql: pg.Pool;
  let c: ReplicaProcess;
  const bucket = 'killed-replica';

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await makeDataDir();
    sql = new pg.Pool({ connectionString: db.url, max: 2 });
    cleanups.push(() => db.drop(), () => sql.end(), () => fs.rm(dataDir, { recursive: true, force: true }));
    c = await replica(env());
  });

  const env = () => ({ DATABASE_URL: db.url, VISAGE_DATA_DIR: dataDir, ...s3.env, S3_BUCKET: bucket, PHOTO_SWEEP_GRACE_SECONDS: '0', PHOTO_SWEEP_SECONDS: '1' });

  it('restarts with exactly the templates PostgreSQL holds, and no photo without its template', async () => {
    const api = client(() => c);
    const memberId = await newMember(api);
    const photos = await Promise.all([200, 220, 240, 260, 280, 300, 320, 340, 360, 380, 400, 420].map((width) => cropFace(PERSON_B, { width })));
    const burst = photos.map((photo) => api.postImage(`/v1/members/${memberId}/faces`, photo).catch(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await c.kill9();
    await Promise.all(burst);

    c = await replica(env());
    const { rows } = await sql.query('SELECT count(*)::int AS n, array_remove(array_agg(photo_key), NULL) AS keys FROM face_templates');
    expect(rows[0].n).toBeGreaterThan(0);
    expect(await indexTemplates(c.url)).toBe(rows[0].n);
    const store = await S3BlobStore.open({ endpoint: s3.endpoint, ...S3_CREDENTIALS, bucket, region: 'us-east-1' });
    await within(5000, async () => {
      const stored = await store.list('members/');
      return stored.every((key) => rows[0].keys.includes(key));
    });
    expect((await store.list('members/')).sort()).toEqual([...rows[0].keys].sort());
  });

  it('answers 503 for an enrollment while the photo store is down, leaving nothing half-written', async () => {
    const api = client(() => c);
    const memberId = await newMember(api);
    const { rows: before } = await sql.query('SELECT count(*)::int AS n FROM face_templates');
    await s3.stop();
    try {
      expectError(await api.postImage(`/v1/members/${memberId}/faces`, await cropFace(STRANGERS[0]!)), 503, 'DEPENDENCY_UNAVAILABLE');
    } finally {
      await s3.start();
    }
    const { rows: after } = await sql.query('SELECT count(*)::int AS n FROM face_templates');
    expect(after[0].n).toBe(before[0].n);
    expect(await indexTemplates(c.url)).toBe(before[0].n);
    expect((await api.postImage(`/v1/members/${memberId}/faces`, await cropFace(STRANGERS[0]!))).status).toBe(201);
  });
});

/** A PostgreSQL of the test's own (to stop and start again) and a replica on it. */
async function replicaOnOwnPostgres(env: Record<string, string> = {}): Promise<{ replica: ReplicaProcess; database(): EmbeddedDatabase; stop(): Promise<void>; start(): Promise<void> }> {
  const pgDir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-fault-pg-'));
  await fs.chmod(pgDir, 0o755);
  const port = await freePort();
  const logger = pino({ level: 'silent' });
  let database = await startEmbeddedPostgres(pgDir, port, logger);
  const dataDir = await makeDataDir();
  cleanups.push(() => fs.rm(pgDir, { recursive: true, force: true }), () => fs.rm(dataDir, { recursive: true, force: true }), () => database.stop());
  return {
    replica: await replica({ DATABASE_URL: database.connectionString, VISAGE_DATA_DIR: dataDir, ...env }),
    database: () => database,
    stop: () => database.stop(),
    async start() {
      database = await startEmbeddedPostgres(pgDir, port, logger);
    },
  };
}

describe('PostgreSQL stopped and started again', () => {
  let postgres: Awaited<ReturnType<typeof replicaOnOwnPostgres>>;
  let d: ReplicaProcess;

  beforeAll(async () => {
    postgres = await replicaOnOwnPostgres();
    d = postgres.replica;
  });

  it('keeps identifying from memory, answers writes with 503, says so on /readyz, and recovers by itself', async () => {
    // A replica that died in the outage answers ECONNREFUSED; its own log says why.
    onTestFailed(() => console.log(`replica log:\n${d.output()}`));
    const api = client(() => d);
    const memberId = await newMember(api);
    expect((await api.postImage(`/v1/members/${memberId}/faces`, await cropFace(PERSON_B))).status).toBe(201);
    const probe = await cropFace(PERSON_B, { width: 260 });
    expect((await api.postImage('/v1/identify?maxFaces=1', probe)).body.faces[0].match.memberId).toBe(memberId);

    await postgres.stop();
    const identified = await api.postImage('/v1/identify?maxFaces=1', probe);
    expect(identified.status).toBe(200);
    expect(identified.body.faces[0]).toMatchObject({ match: { memberId }, profileUnavailable: true });
    expectError(await api.post('/v1/members', { name: 'During outage' }), 503, 'DEPENDENCY_UNAVAILABLE');
    expectError(await api.postImage(`/v1/members/${memberId}/faces`, await cropFace(STRANGERS[1]!)), 503, 'DEPENDENCY_UNAVAILABLE');
    const notReady = await fetch(`${d.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { error: { checks: { database: boolean } } }).error.checks.database).toBe(false);

    await postgres.start();
    await within(20_000, async () => (await fetch(`${d.url}/readyz`)).ok);
    expect((await api.post('/v1/members', { name: 'After outage' })).status).toBe(201);
    expect((await api.postImage(`/v1/members/${memberId}/faces`, await cropFace(STRANGERS[1]!))).status).toBe(201);
    await within(2000, async () => (await indexTemplates(d.url)) === 2);
    const full = await api.postImage('/v1/identify?maxFaces=1', probe);
    expect(full.body.faces[0]).toMatchObject({ match: { memberId }, member: { id: memberId } });
  });
});

describe('PostgreSQL stopped in the middle of a burst of writes', () => {
  let postgres: Awaited<ReturnType<typeof replicaOnOwnPostgres>>;

  beforeAll(async () => {
    // The burst lasts as long as PostgreSQL takes to stop: no rate limit may answer it instead.
    postgres = await replicaOnOwnPostgres({ RATE_LIMIT_PER_MINUTE: '1000000' });
  });

  it('answers each write 201 or 503, stays up, keeps exactly the writes it answered 201, and audits every request', async () => {
    const d = postgres.replica;
    onTestFailed(() => console.log(`replica log:\n${d.output()}`));
    const api = client(() => d);
    const memberId = await newMember(api);
    const photos = await Promise.all([200, 230, 260, 290, 320, 350].map((width) => cropFace(PERSON_A, { width })));

    // Members created four at a time and the enrollments all at once, until PostgreSQL is gone.
    let stopped = false;
    const created: { status: number; id?: string; code?: string }[] = [];
    const creating = Promise.all(
      [0, 1, 2, 3].map(async () => {
        while (!stopped) {
          const res = await api.post('/v1/members', { name: 'Burst', consent: { faceRecognition: true, source: 'desk' } });
          created.push({ status: res.status, id: res.body?.id, code: res.body?.error?.code });
        }
      }),
    );
    const enrolling = Promise.all(photos.map((photo) => api.postImage(`/v1/members/${memberId}/faces`, photo)));
    await within(10_000, () => Promise.resolve(created.filter((c) => c.status === 201).length >= 8));
    await postgres.stop();
    stopped = true;
    await creating;
    const enrolled = await enrolling;

    expect(new Set(created.map((c) => c.status))).toEqual(new Set([201, 503]));
    for (const res of enrolled) expect([201, 503]).toContain(res.status);
    expect((await fetch(`${d.url}/readyz`)).status).toBe(503); // up, and says why it is not ready

    await postgres.start();
    await within(20_000, async () => (await fetch(`${d.url}/readyz`)).ok);
    const sql = new pg.Client({ connectionString: postgres.database().connectionString });
    await sql.connect();
    try {
      const { rows: members } = await sql.query<{ id: string }>('SELECT id FROM members WHERE id <> $1', [memberId]);
      expect(members.map((m) => m.id).sort()).toEqual(created.filter((c) => c.status === 201).map((c) => c.id!).sort());
      const { rows: templates } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM face_templates WHERE member_id = $1', [memberId]);
      expect(templates[0]!.n).toBe(enrolled.filter((res) => res.status === 201).length);
      await within(2000, async () => (await indexTemplates(d.url)) === templates[0]!.n);

      // Every request of the burst is in the audit log, those answered during the outage too,
      // written once the database was back, and the chain still verifies.
      const outcomes = async (action: string) =>
        (await sql.query<{ outcome: string }>('SELECT outcome FROM audit_log WHERE action = $1', [action])).rows.map((r) => r.outcome).sort();
      // The outcome is 'ok' or the code the request was answered with.
      const expected = (answers: { status: number; code?: string }[]) => answers.map((a) => (a.status === 201 ? 'ok' : a.code)).sort();
      await within(20_000, async () => (await outcomes('member.create')).length === created.length + 1); // the retry waits up to 5 s
      expect(await outcomes('member.create')).toEqual(expected([{ status: 201 }, ...created]));
      await within(10_000, async () => (await outcomes('face.enroll')).length === enrolled.length);
      expect(await outcomes('face.enroll')).toEqual(expected(enrolled.map((res) => ({ status: res.status, code: res.body?.error?.code }))));
      const verified = await api.get('/v1/audit/verify');
      expect(verified.body.firstBroken).toBeNull();
    } finally {
      await sql.end();
    }
  });
});

describe.skipIf(!hasFfmpeg)('a camera pulled by one of two replicas', () => {
  let db: TestDatabase;
  let camera: MjpegSource;
  let replicas: ReplicaProcess[];

  beforeAll(async () => {
    db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const dirs = [await makeDataDir(), await makeDataDir()];
    cleanups.push(() => Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true }))));
    camera = new MjpegSource(8);
    await camera.start();
    camera.play([await composeFrame([{ face: STRANGERS[2]!, width: 260, left: 300, top: 150 }])]);
    cleanups.push(() => camera.kill());
    replicas = await Promise.all(dirs.map((dir) => replica({ DATABASE_URL: db.url, VISAGE_DATA_DIR: dir, RATE_LIMIT_PER_MINUTE: '100000' })));
  });

  it('is pulled by exactly one replica, and by the other within 15 s of a SIGKILL', async () => {
    const [first, second] = replicas as [ReplicaProcess, ReplicaProcess];
    expect((await client(() => first).post('/v1/cameras', { id: 'lobby', name: 'Lobby', url: camera.url() })).status).toBe(201);
    const streamOn = async (r: ReplicaProcess) => {
      const res = await client(() => r).get('/v1/cameras/lobby');
      if (res.status !== 200) throw new Error(`GET /v1/cameras/lobby: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.stream;
    };
    await within(15_000, async () => (await streamOn(first)).state === 'streaming');
    expect(camera.connections()).toBe(1);
    const holder = (await streamOn(first)).replica;
    expect((await streamOn(second)).replica).toBe(holder); // both replicas tell the same story
    // The lease's holder names the replica's process (host:pid:…).
    const pulling = replicas.find((r) => String(holder).includes(`:${r.pid}:`))!;
    const other = pulling === first ? second : first;

    await pulling.kill9();
    const tookMs = await within(15_000, async () => {
      const stream = await streamOn(other);
      return stream.state === 'streaming' && stream.replica !== holder;
    });
    console.log(`camera taken over in ${tookMs.toFixed(0)} ms after SIGKILL`);
    await within(5_000, () => Promise.resolve(camera.connections() === 1));
  });
});
