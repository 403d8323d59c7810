import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertSafeKey, facePhotoKey, memberPhotoPrefix } from './blobStore.js';
import { FsBlobStore } from './fsBlobStore.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-blobs-'));
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('FsBlobStore', () => {
  const store = new FsBlobStore(root);

  it('writes, reads, lists and deletes by key and by member prefix, leaving no folders behind', async () => {
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
    await expect(fs.stat(path.join(root, 'members', 'm1'))).rejects.toThrow();
    expect(await store.list(memberPhotoPrefix('m2'))).toEqual([other]);
    expect(await store.deletePrefix(memberPhotoPrefix('nobody'))).toBe(0);
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
