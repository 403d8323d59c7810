import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Visage } from '../app/startVisage.js';
import { apiClient, type Json } from '../testSupport/apiClient.js';
import { animatedGif, animatedWebp, blankJpeg, pngBomb, SVG, tiff } from '../testSupport/badImages.js';
import { cropFace, PERSON_A, STRANGERS } from '../testSupport/facePhotos.js';
import { ADMIN_AUTH, type IsolatedVisage, startIsolatedVisage } from '../testSupport/testVisage.js';

/**
 * Malformed input, over HTTP against the real service: a table of bad requests with the exact
 * answer each must get, then a fuzz run of mutated JPEGs and random bodies. Nothing may answer
 * 5xx, the service must stay up, and no member, template, visit or purchase may appear.
 */

const MAX_UPLOAD_BYTES = 1024 * 1024;
const UNKNOWN = '6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60';

let service: IsolatedVisage;
let visage: Visage;
let sql: pg.Pool;
let memberId: string; // consenting, one face enrolled
let otherMemberId: string; // consenting, no face
const { call, post } = apiClient(() => visage.url, ADMIN_AUTH);

async function counts(): Promise<Record<string, number>> {
  const { rows } = await sql.query(`SELECT
    (SELECT count(*) FROM members)::int AS members, (SELECT count(*) FROM face_templates)::int AS templates,
    (SELECT count(*) FROM visits)::int AS visits, (SELECT count(*) FROM purchases)::int AS purchases,
    (SELECT count(*) FROM points_ledger)::int AS points`);
  return rows[0];
}

beforeAll(async () => {
  service = await startIsolatedVisage({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES), MAX_IMAGE_PIXELS: '20000000' });
  ({ visage, sql } = service);
  await visage.modelsReady;
  const created = await post('/v1/members', { name: 'Fuzz Target', consent: { faceRecognition: true, source: 'desk' } });
  memberId = created.body.id;
  expect((await post(`/v1/members/${memberId}/faces`, await cropFace(PERSON_A), { 'content-type': 'image/jpeg' })).status).toBe(201);
  otherMemberId = (await post('/v1/members', { name: 'Other', consent: { faceRecognition: true, source: 'desk' } })).body.id;
});

afterAll(async () => {
  await service?.close();
});

interface BadInput {
  name: string;
  send: () => Promise<Json>;
  status: number;
  code: string;
}

const image = (url: string, bytes: Buffer, contentType = 'image/jpeg') => () => post(url, bytes, { 'content-type': contentType });
const json = (method: string, url: string, body: string) => () => call(method, url, body, { 'content-type': 'application/json' });
const descriptor = (values: unknown) => json('POST', '/v1/identify', JSON.stringify({ descriptor: values }));
const numbers = (n: number) => Array.from({ length: n }, (_, i) => (i % 7) / 10);
const multipart = (url: string, form: FormData) => () => call('POST', url, form);

async function badInputs(): Promise<BadInput[]> {
  const face = await cropFace(PERSON_A, { width: 240 });
  const enroll = `/v1/members/${memberId}/faces`;
  const purchases = `/v1/members/${memberId}/purchases`;
  const purchase = { transactionId: 'T-1', amount: 10, currency: 'CNY', items: [{ sku: 'a', category: 'b', quantity: 1, price: 10 }] };
  const withPurchase = (patch: Record<string, unknown>) => json('POST', purchases, JSON.stringify({ ...purchase, ...patch }));
  const noImageForm = new FormData();
  noImageForm.append('memberId', memberId);
  const twoImagesForm = new FormData();
  twoImagesForm.append('image', new Blob([new Uint8Array(face)]), 'a.jpg');
  twoImagesForm.append('image', new Blob([new Uint8Array(face)]), 'b.jpg');
  return [
    // Image bodies: the type is sniffed from the bytes; limits on bytes and pixels.
    { name: 'zero-byte image', send: image('/v1/identify', Buffer.alloc(0)), status: 400, code: 'INVALID_IMAGE' },
    { name: 'JPEG cut after 200 bytes', send: image('/v1/identify', face.subarray(0, 200)), status: 400, code: 'INVALID_IMAGE' },
    { name: 'JPEG cut in half', send: image(enroll, face.subarray(0, face.length >> 1)), status: 400, code: 'INVALID_IMAGE' },
    { name: 'text sent as image/jpeg', send: image('/v1/identify', Buffer.from('hello, I am not a photo')), status: 400, code: 'INVALID_IMAGE' },
    { name: 'random bytes as image/png', send: image(enroll, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), 'image/png'), status: 400, code: 'INVALID_IMAGE' },
    { name: 'animated GIF', send: image('/v1/identify', await animatedGif(), 'image/jpeg'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'TIFF', send: image('/v1/identify', await tiff(), 'image/jpeg'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'SVG as image/svg+xml', send: image('/v1/identify', SVG, 'image/svg+xml'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'SVG as image/png', send: image('/v1/identify', SVG, 'image/png'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'JPEG as text/plain', send: image('/v1/identify', face, 'text/plain'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'PNG bomb 30000×30000', send: image('/v1/identify', pngBomb(30_000, 30_000), 'image/png'), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'PNG bomb 5000×5000 on enroll', send: image(enroll, pngBomb(5_000, 5_000), 'image/png'), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'body over MAX_UPLOAD_BYTES', send: image('/v1/identify', Buffer.alloc(MAX_UPLOAD_BYTES + 1, 1)), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'photo without a face, enrolled', send: image(enroll, await blankJpeg()), status: 422, code: 'NO_FACE' },
    {
      name: 'animated WebP whose first frame is an enrolled face, enrolled to another member',
      send: image(`/v1/members/${otherMemberId}/faces`, await animatedWebp(face), 'image/webp'),
      status: 409,
      code: 'FACE_ALREADY_ENROLLED',
    },
    { name: 'multipart without the image field', send: multipart('/v1/verify', noImageForm), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'multipart with two images', send: multipart('/v1/identify', twoImagesForm), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'multipart without a boundary', send: () => call('POST', '/v1/identify', 'x', { 'content-type': 'multipart/form-data' }), status: 400, code: 'VALIDATION_FAILED' },
    // Descriptors.
    { name: 'descriptor of 127 numbers', send: descriptor(numbers(127)), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'descriptor of 129 numbers', send: descriptor(numbers(129)), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'descriptor with a string', send: descriptor([...numbers(127), 'NaN']), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'descriptor with null', send: descriptor([...numbers(127), null]), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'descriptor with a NaN literal (not JSON)', send: json('POST', '/v1/identify', `{"descriptor":[${numbers(127).join(',')},NaN]}`), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'descriptor with 1e999 (Infinity)', send: json('POST', '/v1/identify', `{"descriptor":[${numbers(127).join(',')},1e999]}`), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'descriptor as nested objects', send: descriptor({ a: { b: { c: [1, 2, 3] } } }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'JSON nested 5000 deep', send: json('POST', '/v1/identify', `${'['.repeat(5000)}${']'.repeat(5000)}`), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'descriptor as a string', send: descriptor('0.1,0.2'), status: 400, code: 'VALIDATION_FAILED' },
    // Members.
    { name: 'member phone as a number', send: json('POST', '/v1/members', '{"phone": 13800000000}'), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'member with an empty name', send: json('POST', '/v1/members', '{"name": ""}'), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'member with an unknown field', send: json('POST', '/v1/members', '{"name": "x", "isAdmin": true}'), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'member with __proto__', send: json('POST', '/v1/members', '{"__proto__": {"kind": "visitor"}}'), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'member with 1000 tags', send: json('POST', '/v1/members', JSON.stringify({ tags: Array.from({ length: 1000 }, (_, i) => `t${i}`) })), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'member with an unknown tier', send: json('POST', '/v1/members', '{"tier": "diamond"}'), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'truncated JSON', send: json('POST', '/v1/members', '{"name": '), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'a JSON array as the member', send: json('POST', '/v1/members', '[1,2,3]'), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'form-encoded body declared as JSON', send: json('POST', '/v1/members', 'name=x&phone=1'), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'member id not a uuid', send: () => call('GET', '/v1/members/not-a-uuid'), status: 404, code: 'MEMBER_NOT_FOUND' },
    { name: 'member id with SQL', send: () => call('GET', `/v1/members/${encodeURIComponent("' OR 1=1 --")}`), status: 404, code: 'MEMBER_NOT_FOUND' },
    { name: 'face id not a uuid', send: () => call('DELETE', `/v1/members/${memberId}/faces/123`), status: 404, code: 'FACE_NOT_FOUND' },
    { name: 'two phone lookups at once', send: () => call('GET', '/v1/members?phone=1&phone=2'), status: 400, code: 'VALIDATION_FAILED' },
    // Purchases.
    { name: 'purchase amount as a string', send: withPurchase({ amount: '10' }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'purchase amount 1e999', send: json('POST', purchases, JSON.stringify(purchase).replace('"amount":10', '"amount":1e999')), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'purchase transaction id of 1000 characters', send: withPurchase({ transactionId: 'x'.repeat(1000) }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'purchase quantity 0.5', send: withPurchase({ items: [{ sku: 'a', category: 'b', quantity: 0.5, price: 10 }] }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'purchase for an unknown member', send: json('POST', `/v1/members/${UNKNOWN}/purchases`, JSON.stringify(purchase)), status: 404, code: 'MEMBER_NOT_FOUND' },
    // Query strings.
    { name: 'maxFaces=0', send: image('/v1/identify?maxFaces=0', face), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'a looser threshold than configured (a lower cosine similarity)', send: image('/v1/identify?threshold=0.1', face), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'a descriptor of face-api\'s 128 numbers to the 768-d default model', send: json('POST', '/v1/identify', JSON.stringify({ descriptor: Array.from({ length: 128 }, () => 0.05) })), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'an all-zero descriptor', send: json('POST', '/v1/identify', JSON.stringify({ descriptor: Array.from({ length: 768 }, () => 0) })), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'threshold=abc', send: image('/v1/identify?threshold=abc', face), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'verify without memberId', send: image('/v1/verify', face), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'history cursor not from the API', send: () => call('GET', `/v1/members/${memberId}/visits?cursor=%25%25%25`), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'history limit=abc', send: () => call('GET', `/v1/members/${memberId}/visits?limit=abc`), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'camera id with spaces', send: image('/v1/cameras/gate%201/frames', face), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'capturedAt not a time', send: image('/v1/cameras/gate-1/frames?capturedAt=1700000000', face), status: 400, code: 'VALIDATION_FAILED' },
  ];
}

describe('bad input', () => {
  it('gets the exact status and code, never a 5xx, and changes nothing', async () => {
    const before = await counts();
    const table = await badInputs();
    expect(table.length).toBeGreaterThanOrEqual(30);
    const outcomes = [];
    for (const input of table) {
      const res = await input.send();
      outcomes.push({ name: input.name, got: `${res.status} ${res.body?.error?.code}`, want: `${input.status} ${input.code}` });
    }
    expect(outcomes.filter((o) => o.got !== o.want)).toEqual([]);
    expect(await counts()).toEqual(before);
  });
});

/** A small seeded PRNG (mulberry32), so that a failing fuzz case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One random damage to a file: flipped bytes, a cut, a repeated or zeroed stretch, junk spliced in. */
function mutate(bytes: Buffer, rand: () => number): Buffer {
  const out = Buffer.from(bytes);
  const at = () => Math.floor(rand() * out.length);
  switch (Math.floor(rand() * 5)) {
    case 0:
      for (let i = 0, n = 1 + Math.floor(rand() * 20); i < n; i++) out[at()] = Math.floor(rand() * 256);
      return out;
    case 1:
      return out.subarray(0, at());
    case 2: {
      const start = at();
      return Buffer.concat([out.subarray(0, start), out.subarray(start, start + 1 + Math.floor(rand() * 2000)), out.subarray(start)]);
    }
    case 3: {
      const start = at();
      out.fill(0, start, Math.min(out.length, start + 1 + Math.floor(rand() * 500)));
      return out;
    }
    default: {
      const start = at();
      const junk = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)));
      return Buffer.concat([out.subarray(0, start), junk, out.subarray(start)]);
    }
  }
}

describe('fuzz', () => {
  it('survives 550 mutated JPEGs, random bodies and mangled JSON without a 5xx or a change', async () => {
    const rand = random(20261124);
    const before = await counts();
    const enrolledFace = await cropFace(PERSON_A, { width: 200 });
    const strangerFrame = await cropFace(STRANGERS[0]!, { width: 320 });
    const validJson = [
      ['/v1/identify', JSON.stringify({ descriptor: Array.from({ length: 768 }, () => 0.05) })],
      [`/v1/members/${UNKNOWN}/purchases`, JSON.stringify({ transactionId: 'F-1', amount: 5, currency: 'CNY', items: [{ sku: 's', category: 'c', quantity: 1, price: 5 }] })],
      [`/v1/members/${UNKNOWN}/convert`, JSON.stringify({ phone: '+8613800000000', consent: { faceRecognition: true, source: 'x' } })],
      ['/v1/keys', JSON.stringify({ role: 'pos', name: 'fuzz', expiresAt: 'not a time' })],
    ] as const;
    const endpoints = ['/v1/members', '/v1/identify', `/v1/members/${memberId}/faces`, '/v1/cameras/gate-9/frames', `/v1/members/${memberId}/purchases`, '/v1/verify'];
    const contentTypes = ['image/jpeg', 'image/png', 'application/json', 'multipart/form-data; boundary=xyz', 'text/plain', 'application/octet-stream'];

    const cases: (() => Promise<Json>)[] = [];
    for (let i = 0; i < 350; i++) {
      const toFrames = i % 2 === 1;
      const bytes = mutate(toFrames ? strangerFrame : enrolledFace, rand);
      cases.push(() => post(toFrames ? '/v1/cameras/gate-9/frames' : '/v1/identify', bytes, { 'content-type': 'image/jpeg' }));
    }
    for (let i = 0; i < 100; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 3000) }, () => Math.floor(rand() * 256)));
      const url = endpoints[Math.floor(rand() * endpoints.length)]!;
      const contentType = contentTypes[Math.floor(rand() * contentTypes.length)]!;
      cases.push(() => post(url, bytes, { 'content-type': contentType }));
    }
    for (let i = 0; i < 100; i++) {
      const [url, body] = validJson[i % validJson.length]!;
      const mangled = mutate(Buffer.from(body), rand);
      cases.push(() => post(url, mangled, { 'content-type': 'application/json' }));
    }

    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const res = await cases[index]!();
        if (res.status >= 500 || typeof res.body?.error?.code !== 'string' && res.status >= 400) failures.push(`case ${index}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    expect(cases).toHaveLength(550);
    expect(failures).toEqual([]);
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect(await counts()).toEqual(before);
  }, 300_000);
});
