import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestS3, S3_CREDENTIALS, type TestS3 } from '../testSupport/s3Server.js';
import { facePhotoKey, memberPhotoPrefix } from './blobStore.js';
import { S3BlobStore } from './s3BlobStore.js';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(() => s3?.remove());

describe('S3BlobStore (against s3rver on loopback)', () => {
  it('creates its bucket, then writes, reads, lists and deletes by key and by member prefix', async () => {
    const store = await S3BlobStore.open({ endpoint: s3.endpoint, ...S3_CREDENTIALS, bucket: 'fresh-bucket', region: 'us-east-1' });
    await S3BlobStore.open({ endpoint: s3.endpoint, ...S3_CREDENTIALS, bucket: 'fresh-bucket', region: 'us-east-1' }); // exists now
    const a = facePhotoKey('m1', 'f1', 'jpg');
    const b = facePhotoKey('m1', 'f2', 'png');
    const other = facePhotoKey('m2', 'f3', 'jpg');
    await store.put(a, Buffer.from('a'), 'image/jpeg');
    await store.put(b, Buffer.from('b'), 'image/png');
    await store.put(other, Buffer.from('c'), 'image/jpeg');
    expect((await store.get(a))?.toString()).toBe('a');
    expect(await store.get('members/m1/faces/none.jpg')).toBeUndefined();
    expect(await store.list(memberPhotoPrefix('m1'))).toEqual([a, b]);
    expect(await store.delete(a)).toBe(true);
    expect(await store.delete(a)).toBe(false);
    expect(await store.deletePrefix(memberPhotoPrefix('m1'))).toBe(1);
    expect(await store.list(memberPhotoPrefix('m1'))).toEqual([]);
    expect(await store.list('members/')).toEqual([other]);
    expect(await store.deletePrefix(memberPhotoPrefix('nobody'))).toBe(0);
  });

  it('fails fast when the server is gone', async () => {
    const store = await S3BlobStore.open({ endpoint: s3.endpoint, ...S3_CREDENTIALS, bucket: 'gone', region: 'us-east-1' });
    await s3.stop();
    try {
      await expect(store.put(facePhotoKey('m', 'f', 'jpg'), Buffer.from('x'), 'image/jpeg')).rejects.toThrow();
    } finally {
      await s3.start();
    }
    await store.put(facePhotoKey('m', 'f', 'jpg'), Buffer.from('x'), 'image/jpeg');
  });
});
