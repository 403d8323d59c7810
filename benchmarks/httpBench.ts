/**
 * HTTP load in one run against the service running as its own process (as in production), with a
 * gallery of --templates synthetic templates: GET /healthz (the floor), POST /v1/identify by
 * descriptor (the POS path: index search + the member's profile), and POST /v1/identify by a
 * single-face photo (inference). autocannon drives each for --seconds.
 *
 *   npm run bench:http [-- --templates 100000 --seconds 10 --connections 10] [--json]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { pino } from 'pino';
import sharp from 'sharp';
import { startEmbeddedPostgres } from '../service/db/embeddedPostgres.js';
import { migrate } from '../service/db/migrate.js';
import { createPool } from '../service/db/pool.js';
import { cropFace, PERSON_A } from '../service/testSupport/facePhotos.js';
import { freePort } from '../service/testSupport/freePort.js';
import { startReplica } from '../service/testSupport/replicaProcess.js';
import { TEST_ADMIN_KEY } from '../service/testSupport/testVisage.js';
import { benchModel } from './benchModel.js';
import { DescriptorShape, seededRandom } from './syntheticFaces.js';
import { benchCommand } from './benchCommand.js';
import { seedGallery } from './seedGallery.js';

const opts = benchCommand()
  .option('--templates <n>', 'gallery size', '100000')
  .option('--seconds <n>', 'duration of each case', '10')
  .option('--connections <n>', 'concurrent connections', '10')
  .parse()
  .opts<{ templates: string; seconds: string; connections: string; json?: boolean }>();
const templates = Number(opts.templates);
const logger = pino({ level: 'warn' });

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-http-bench-'));
await fs.chmod(dataDir, 0o755);
const database = await startEmbeddedPostgres(path.join(dataDir, 'pg'), await freePort(), logger);
await migrate(database.connectionString, logger);
const pool = createPool(database.connectionString);
const model = benchModel();
const shape = DescriptorShape.of(model.key);
const gallery = shape.gallery(templates);
const identities = gallery.identityOf[templates - 1]! + 1;
process.stdout.write(`loading ${templates} templates of ${identities} members… `);
await seedGallery(pool, model, gallery);
await pool.end();
console.log('done');

const service = await startReplica(
  { DATABASE_URL: database.connectionString, VISAGE_DATA_DIR: path.join(dataDir, 'service'), RATE_LIMIT_PER_MINUTE: '1000000', INFERENCE_THREADS: String(os.availableParallelism()), FACE_MODEL: model.key },
  600_000,
);
const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const random = seededRandom(11);
const probes = Array.from({ length: 1000 }, () =>
  JSON.stringify({ descriptor: Array.from(shape.probeNear(gallery.descriptors[Math.floor(random.uniform() * templates)]!, random)) }),
);
const photo = await sharp(await cropFace(PERSON_A, { width: 400 })).resize(250, 250, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();

interface Case {
  name: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

async function drive(name: string, urlPath: string, request: Partial<autocannon.Options>): Promise<Case> {
  let next = 0;
  const result = await autocannon({
    url: `${service.url}${urlPath}`,
    connections: Number(opts.connections),
    duration: Number(opts.seconds),
    ...request,
    ...(request.method === 'POST' && !request.body
      ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: probes[next++ % probes.length] }) }] }
      : {}),
  });
  return {
    name,
    // One decimal: photo throughput is a few requests a second, and models are compared by ratio.
    rps: Number(result.requests.average.toFixed(1)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

const cases: Case[] = [];
cases.push(await drive('GET /healthz', '/healthz', { method: 'GET' }));
cases.push(await drive('identify by descriptor', '/v1/identify', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' } }));
cases.push(
  await drive('identify by photo (250×250, 1 face)', '/v1/identify?maxFaces=1', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'image/jpeg' },
    body: photo,
    connections: os.availableParallelism() * 2,
  }),
);
await service.stop();
await database.stop();
await fs.rm(dataDir, { recursive: true, force: true });

const ratio = Number((cases[1]!.rps / cases[0]!.rps).toFixed(3));
console.log(`\n${templates} templates, ${opts.connections} connections, ${opts.seconds} s per case, ${os.availableParallelism()} cores (service and load generator share them)\n`);
console.log('case                                  req/s     p50 ms   p99 ms   errors   non-2xx');
for (const c of cases) console.log(`${c.name.padEnd(38)}${String(c.rps).padEnd(10)}${String(c.p50Ms).padEnd(9)}${String(c.p99Ms).padEnd(9)}${String(c.errors).padEnd(9)}${c.non2xx}`);
console.log(`\nidentify by descriptor / healthz throughput: ${ratio}`);
if (opts.json) console.log(JSON.stringify({ templates, cores: os.availableParallelism(), cases, descriptorToHealthzRatio: ratio }));
