import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBlobStoreContract } from '../testSupport/blobStoreContract.js';
import { assertSafeKey, facePhotoKey } from './blobStore.js';
import { FsBlobStore } from './fsBlobStore.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-blobs-'));
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('FsBlobStore', () => {
  const store = new FsBlobStore(root);

  it('writes, reads, lists and deletes by key and by member prefix, leaving no folders behind', async () => {
    await checkBlobStoreContract(store);
    await expect(fs.stat(path.join(root, 'members', 'm1'))).rejects.toThrow();
  });

  it('never leaves a partial file under the real key (write to a temporary, then rename)', async () => {
    const key = facePhotoKey('m3', 'f1', 'jpg');
    await store.put(key, Buffer.alloc(1 << 20, 7), 'image/jpeg');
    const names = await fs.readdir(path.join(root, 'members', 'm3', 'faces'));
    expect(names).toEqual(['f1.jpg']);
  });

  it('refuses keys that could leave its root', () => {
    for (const key of ['../etc/passwd', 'members/../../x', '/abs/path', 'members//x', 'a/./b', '']) {
      expect(() => assertSafeKey(key), key).toThrow();
    }
    expect(() => assertSafeKey('members/m1/faces/f1.jpg')).not.toThrow();
  });
});
