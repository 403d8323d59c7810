import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/** A real S3 protocol server on loopback (s3rver), for the S3 blob store's tests. */
export interface TestS3 {
  endpoint: string;
  env: Record<string, string>;
  stop(): Promise<void>;
  /** Starts it again on the same port and folder (after stop). */
  start(): Promise<void>;
  remove(): Promise<void>;
}

export const S3_CREDENTIALS = { accessKey: 'S3RVER', secretKey: 'S3RVER' };

export async function startTestS3(bucket = 'visage-photos'): Promise<TestS3> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-s3-'));
  let port = 0;
  let server: S3rver | undefined;
  const start = async () => {
    server = new S3rver({ port, address: '127.0.0.1', directory, silent: true });
    const address = (await server.run()) as unknown as { port: number };
    port = address.port;
  };
  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: { S3_ENDPOINT: endpoint, S3_ACCESS_KEY: S3_CREDENTIALS.accessKey, S3_SECRET_KEY: S3_CREDENTIALS.secretKey, S3_BUCKET: bucket },
    async stop() {
      await server?.close();
      server = undefined;
    },
    start,
    async remove() {
      await server?.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
