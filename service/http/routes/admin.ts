import { Router } from 'express';
import type { ApiKeyService } from '../../domain/apiKeys.js';
import type { AuditLog } from '../../domain/auditLog.js';
import type { ReindexService } from '../../domain/reindexService.js';
import { AppError } from '../../errors.js';
import { decodeCursor } from '../../repositories/pageCursor.js';
import { allow } from '../auth.js';
import { audited, noteAudit } from '../audited.js';
import { auditQuerySchema, createKeySchema, reindexQuerySchema, uuidSchema } from '../schemas.js';
import { parseInput } from '../validation.js';

const DEFAULT_AUDIT_PAGE = 100;

const DEFAULT_REINDEX_BATCH = 200;

/** Admin-only: API keys, the audit log, re-indexing. */
export function adminRoutes(keys: ApiKeyService, audit: AuditLog, reindex: ReindexService): Router {
  const router = Router();
  const admin = allow('admin');

  router.post('/keys', audited(audit, 'key.create'), admin, async (req, res) => {
    const created = await keys.create(parseInput(createKeySchema, req.body, 'body'));
    noteAudit(res, { details: { keyId: created.id, role: created.role, name: created.name } });
    res.status(201).json(created);
  });

  router.get('/keys', admin, async (_req, res) => {
    res.json({ keys: await keys.list() });
  });

  router.delete('/keys/:keyId', audited(audit, 'key.revoke'), admin, async (req, res) => {
    const id = uuidSchema.safeParse(req.params.keyId);
    if (!id.success) throw new AppError('KEY_NOT_FOUND', 'no such API key');
    noteAudit(res, { details: { keyId: id.data } });
    await keys.revoke(id.data);
    res.status(204).end();
  });

  router.get('/audit', admin, async (req, res) => {
    const { limit, cursor, from, to, ...filter } = parseInput(auditQuerySchema, req.query, 'query');
    const after = cursor === undefined ? undefined : decodeCursor(cursor, /^[0-9]{1,19}$/);
    const range = { from: from === undefined ? undefined : new Date(from), to: to === undefined ? undefined : new Date(to) };
    res.json(await audit.query({ ...filter, ...range }, limit ?? DEFAULT_AUDIT_PAGE, after));
  });

  router.post('/admin/reindex', audited(audit, 'admin.reindex'), admin, async (req, res) => {
    const { limit, after } = parseInput(reindexQuerySchema, req.query, 'query');
    const report = await reindex.run(limit ?? DEFAULT_REINDEX_BATCH, after);
    noteAudit(res, { details: { reindexed: report.reindexed, failed: report.failed.length, remaining: report.remaining } });
    res.json(report);
  });

  router.post('/admin/reindex/prune', audited(audit, 'admin.prune'), admin, async (_req, res) => {
    const result = await reindex.prune();
    noteAudit(res, { details: result });
    res.json(result);
  });

  return router;
}
