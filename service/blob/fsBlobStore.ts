import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { assertSafeKey, type BlobStore } from './blobStore.js';

const isNotFound = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Blob store on the local filesystem: writes go to a temporary file, flushed, then renamed. */
export class FsBlobStore implements BlobStore {
  readonly kind = 'filesystem';

  constructor(private readonly root: string) {}

  private resolve(key: string): string {
    assertSafeKey(key);
    return path.join(this.root, ...key.split('/').filter(Boolean));
  }

  /** The content type is implied by the key's extension on a filesystem. */
  async put(key: string, bytes: Buffer, _contentType?: string): Promise<void> {
    const target = this.resolve(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.tmp`;
    try {
      await fs.writeFile(temporary, bytes, { flush: true, mode: 0o600 });
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.resolve(key));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<boolean> {
    const target = this.resolve(key);
    try {
      await fs.unlink(target);
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    await this.pruneEmptyParents(path.dirname(target));
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    for (const key of keys) await fs.rm(this.resolve(key), { force: true });
    const dir = this.resolve(prefix);
    await fs.rm(dir, { recursive: true, force: true });
    await this.pruneEmptyParents(path.dirname(dir));
    return keys.length;
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.resolve(prefix);
    let entries: string[];
    try {
      entries = await fs.readdir(dir, { recursive: true });
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      const full = path.join(dir, entry);
      if ((await fs.stat(full)).isFile() && !entry.endsWith('.tmp')) {
        keys.push(path.relative(this.root, full).split(path.sep).join('/'));
      }
    }
    return keys.sort();
  }

  /** Removes now-empty folders up to the root so that a purged member leaves no folder either. */
  private async pruneEmptyParents(dir: string): Promise<void> {
    let current = dir;
    while (current.startsWith(this.root) && current !== this.root) {
      try {
        await fs.rmdir(current);
      } catch {
        return; // not empty, or already gone
      }
      current = path.dirname(current);
    }
  }
}
