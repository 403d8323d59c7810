import type { IndexSync } from '../../index/indexSync.js';
import type { FacePipeline } from '../../models/facePipeline.js';
import type { Pool } from '../db/pool.js';
import type { ReadinessCheck } from '../http/apiServices.js';

/**
 * Ready when the models are warm in every worker, the index has caught up with the change log
 * recently (a replica that cannot follow purges must not answer identifications), and PostgreSQL
 * answers.
 */
export function readinessCheck(deps: { pool: Pool; pipeline: FacePipeline; sync: IndexSync; indexPollMs: number }): ReadinessCheck {
  // Three missed polls: the index no longer follows the change log.
  const staleAfterMs = 3 * deps.indexPollMs + 1_000;
  return {
    async check() {
      const database = await deps.pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
      return { models: deps.pipeline.isReady, index: deps.sync.caughtUpWithin(staleAfterMs), database };
    },
  };
}
