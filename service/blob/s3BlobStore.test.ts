import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestS3, S3_CREDENTIALS, type TestS3 } from '../testSupport/s3Server.js';
import { checkBlobStoreContract } from '../testSupport/blobStoreContract.js';
import { facePhotoKey } from './blobStore.js';
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
    await checkBlobStoreContract(store);
    expect(await store.list('members/')).toEqual([facePhotoKey('m2', 'f3', 'jpg')]);
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
