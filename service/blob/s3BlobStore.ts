import { Client } from 'minio';
import { assertSafeKey, type BlobStore } from './blobStore.js';

export interface S3Settings {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

/** A store that stopped answering must fail the request (→ 503), not hold it. */
const REQUEST_TIMEOUT_MS = 10_000;

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`S3 ${what} timed out after ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const isMissing = (error: unknown): boolean => {
  const code = (error as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound';
};

/** Blob store on S3 or MinIO (the `minio` client). The bucket is created when missing. */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  private readonly client: Client;

  private constructor(
    settings: S3Settings,
    private readonly bucket: string,
  ) {
    const url = new URL(settings.endpoint);
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      useSSL: url.protocol === 'https:',
      accessKey: settings.accessKey,
      secretKey: settings.secretKey,
      region: settings.region,
      pathStyle: true,
    });
  }

  static async open(settings: S3Settings): Promise<S3BlobStore> {
    const store = new S3BlobStore(settings, settings.bucket);
    if (!(await store.client.bucketExists(settings.bucket))) {
      try {
        await store.client.makeBucket(settings.bucket, settings.region);
      } catch (error) {
        // Another replica created it a moment ago.
        const code = (error as { code?: string }).code;
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
      }
    }
    return store;
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    assertSafeKey(key);
    await withTimeout(this.client.putObject(this.bucket, key, bytes, bytes.length, { 'Content-Type': contentType }), 'put');
  }

  async get(key: string): Promise<Buffer | undefined> {
    assertSafeKey(key);
    try {
      const stream = await withTimeout(this.client.getObject(this.bucket, key), 'get');
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<boolean> {
    assertSafeKey(key);
    try {
      await withTimeout(this.client.statObject(this.bucket, key), 'stat');
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    await withTimeout(this.client.removeObject(this.bucket, key), 'delete');
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    if (keys.length > 0) await withTimeout(this.client.removeObjects(this.bucket, keys), 'delete');
    return keys.length;
  }

  async list(prefix: string): Promise<string[]> {
    assertSafeKey(prefix);
    const collect = async () => {
      const keys: string[] = [];
      for await (const item of this.client.listObjectsV2(this.bucket, prefix, true)) {
        if ((item as { name?: string }).name) keys.push((item as { name: string }).name);
      }
      return keys.sort();
    };
    return withTimeout(collect(), 'list');
  }
}
