import type { ThresholdSettings, ThresholdsView } from '../../domain/recognition/thresholdSettings.js';
import type { AuditNote } from '../audited.js';
import { endpoint } from '../endpoint.js';
import * as out from '../responses.js';
import { appliedThresholdsSchema, reindexQuerySchema, rotationQuerySchema } from '../schemas.js';

const DEFAULT_REINDEX_BATCH = 200;
const DEFAULT_REWRAP_LIMIT = 20_000;

/** A change of the thresholds in force, audited with the model version and the thresholds before and after. */
async function auditedChange(audit: (note: AuditNote) => void, settings: ThresholdSettings, change: () => Promise<ThresholdsView>): Promise<ThresholdsView> {
  const before = settings.view().inForce;
  const view = await change();
  audit({ details: { modelVersion: view.modelVersion, before: { match: before.match, today: before.today }, after: { match: view.inForce.match, today: view.inForce.today } } });
  return view;
}

/** Administration: re-indexing after a face model change, calibration, master-key rotation (admin). */
export const adminEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/admin/master-key/rotate',
    summary: 'Re-wrap members\' data keys under the current master key (admin; `visage keys rotate-master` calls it until remaining is 0)',
    roles: [],
    query: rotationQuerySchema,
    audit: 'admin.rekey',
    responses: { 200: { description: 'how many keys this call re-wrapped and how many remain under other master keys', schema: out.rotationReport } },
    errors: ['DEPENDENCY_UNAVAILABLE'],
    handle: async ({ query, audit }, { masterKeyRotation }) => {
      const report = await masterKeyRotation.rotate(query.limit ?? DEFAULT_REWRAP_LIMIT);
      audit({ details: { masterKeyId: report.masterKeyId, rewrapped: report.rewrapped, remaining: report.remaining } });
      return { body: report };
    },
  }),
  endpoint({
    method: 'post',
    path: '/v1/admin/reindex',
    summary: 'Recompute templates of another descriptor model from their stored photos (admin); call again with ?after=<next> until next is null',
    roles: [],
    query: reindexQuerySchema,
    audit: 'admin.reindex',
    responses: { 200: { description: 'what this run did and what remains', schema: out.reindexReport } },
    errors: ['NOT_READY', 'DEPENDENCY_UNAVAILABLE', 'OVERLOADED'],
    handle: async ({ query, audit }, { reindex }) => {
      const report = await reindex.run(query.limit ?? DEFAULT_REINDEX_BATCH, query.after);
      audit({ details: { reindexed: report.reindexed, failed: report.failed.length, remaining: report.remaining } });
      return { body: report };
    },
  }),
  endpoint({
    method: 'post',
    path: '/v1/admin/calibration',
    summary: "Check the thresholds in force on the deployment's own faces: every pair of different enrolled members is an impostor pair (admin; reports, changes nothing)",
    roles: [],
    audit: 'admin.calibration',
    responses: { 200: { description: 'false-match rates at the thresholds in force, here and on LFW, and the threshold that would hold TARGET_FPIR', schema: out.calibrationReport } },
    errors: ['NOT_READY'],
    handle: async ({ audit }, { calibration }) => {
      const report = await calibration.estimate();
      audit({ details: { members: report.members, pairs: report.pairs, suggestedMatchThreshold: report.suggestedMatchThreshold } });
      return { body: report };
    },
  }),
  endpoint({
    method: 'get',
    path: '/v1/admin/thresholds',
    summary: "The match thresholds: the configuration's, those in force, and what an admin applied (admin)",
    roles: [],
    responses: { 200: { description: 'configured, in force and applied thresholds, in the running model\'s scale', schema: out.thresholdsView } },
    errors: [],
    handle: (_request, { thresholdSettings }) => ({ body: thresholdSettings.view() }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/admin/thresholds',
    summary:
      "Put a MATCH_THRESHOLD in force on every replica, usually the one calibration on the deployment's faces suggested (admin, audited); the seen-today threshold moves by as much",
    roles: [],
    json: appliedThresholdsSchema,
    audit: 'admin.thresholds.apply',
    responses: { 200: { description: 'the thresholds now in force', schema: out.thresholdsView } },
    errors: [],
    handle: async ({ body, principal, audit }, { thresholdSettings }) => ({
      body: await auditedChange(audit, thresholdSettings, () => thresholdSettings.apply(body.matchThreshold, principal?.keyId ?? null)),
    }),
  }),
  endpoint({
    method: 'delete',
    path: '/v1/admin/thresholds',
    summary: "Withdraw applied thresholds: the configuration's are in force again on every replica (admin, audited)",
    roles: [],
    audit: 'admin.thresholds.withdraw',
    responses: { 200: { description: 'the thresholds now in force', schema: out.thresholdsView } },
    errors: [],
    handle: async ({ audit }, { thresholdSettings }) => ({ body: await auditedChange(audit, thresholdSettings, () => thresholdSettings.withdraw()) }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/admin/reindex/prune',
    summary: 'Delete old-model templates that have a recomputed successor (admin), once every replica runs the new model',
    roles: [],
    audit: 'admin.prune',
    responses: { 200: { description: '{pruned}', schema: out.pruneResult } },
    errors: ['NOT_READY'],
    handle: async ({ audit }, { reindex }) => {
      const result = await reindex.prune();
      audit({ details: result });
      return { body: result };
    },
  }),
];
