import path from 'node:path';
import type { Logger } from 'pino';
import type { FaceIndex } from '../../index/faceIndex.js';
import { IndexSync, openIndex } from '../../index/indexSync.js';
import type { DescriptorModel, IndexedModel } from '../../models/faceModels.js';
import { servedScopeOf } from '../repositories/servedScope.js';
import type { Config } from '../config.js';
import { listenForChanges } from '../db/changeListener.js';
import { KeystoreSnapshotSealer } from '../crypto/snapshotSealer.js';
import type { Keys } from './keys.js';
import { repeatEvery } from './repeatEvery.js';
import type { Pool } from '../db/pool.js';
import { FaceTemplateRepository } from '../repositories/faceTemplateRepository.js';
import { TEMPLATE_CHANGES_CHANNEL, TemplateChangeRepository } from '../repositories/templateChangeRepository.js';

const COMPACTION_INTERVAL_MS = 60 * 60_000;

export interface ReplicaIndex {
  index: FaceIndex;
  sync: IndexSync;
  /** Where the index came from at start, and how long that took. */
  startup: { source: 'snapshot' | 'rebuild'; templates: number; ms: number };
  close: () => Promise<void>;
}

/**
 * This replica's index: opened from its snapshot or rebuilt, caught up with the change log, then
 * kept in step (LISTEN/NOTIFY, polling as the fallback), saved periodically and at close; the
 * change log is compacted hourly.
 */
export async function startReplicaIndex(deps: {
  config: Config;
  databaseUrl: string;
  pool: Pool;
  model: IndexedModel;
  keys: Pick<Keys, 'keyring' | 'vault'>;
  logger: Logger;
}): Promise<ReplicaIndex> {
  const { config, logger } = deps;
  const repository = new TemplateChangeRepository(deps.pool, deps.keys.vault);
  const templateRepository = new FaceTemplateRepository(deps.pool, deps.keys.vault);
  // A replica serving some malls holds only their regulars: the log and the rebuild are filtered.
  const { serveMalls, regularDays } = config.recognition;
  const scope = () => servedScopeOf(serveMalls, regularDays, new Date());
  const changes = {
    state: () => repository.state(),
    changesSince: (seq: number, limit: number, model: DescriptorModel) => repository.changesSince(seq, limit, model, scope()),
  };
  const templates = { streamForIndex: (model: DescriptorModel) => templateRepository.streamForIndex(model, scope()) };
  // A snapshot holds what its replica served: one taken for other malls is not this replica's.
  const snapshotDir = path.join(config.dataDir, serveMalls === 'all' ? 'index' : `index-malls-${[...serveMalls].sort().join(',')}`);
  const started = performance.now();
  const sealer = new KeystoreSnapshotSealer(deps.keys.keyring);
  const opened = await openIndex({ snapshotDir, changes, templates, model: deps.model, sealer, logger });
  const sync = new IndexSync({ index: opened.index, seq: opened.seq, instanceId: opened.instanceId, changes, model: deps.model, snapshotDir, sealer, logger });
  await sync.catchUp();
  const startup = { source: opened.source, templates: opened.index.size, ms: Math.round(performance.now() - started) };
  logger.info({ ...startup, seq: sync.seq }, 'face index ready');

  sync.start(config.indexSync.pollMs, config.indexSync.snapshotSeconds * 1000);
  const listener = listenForChanges(deps.databaseUrl, TEMPLATE_CHANGES_CHANNEL, () => sync.poke(), logger);
  const stopCompaction = repeatEvery(
    COMPACTION_INTERVAL_MS,
    () => repository.compact(new Date(Date.now() - config.indexSync.changeLogRetentionDays * 86_400_000)),
    (error) => logger.warn({ err: error }, 'change-log compaction failed'),
  );

  return {
    index: opened.index,
    sync,
    startup,
    async close() {
      stopCompaction();
      sync.stop();
      await listener.close();
      await sync.saveSnapshot().catch((error: unknown) => logger.warn({ err: error }, 'index snapshot at shutdown failed'));
    },
  };
}
