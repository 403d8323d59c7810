import { Router } from 'express';
import type { ApiKeyService } from '../../domain/apiKeys.js';
import type { AuditLog } from '../../domain/auditLog.js';
import { AppError } from '../../errors.js';
import { decodeCursor } from '../../repositories/pageCursor.js';
import { allow } from '../auth.js';
import { audited, noteAudit } from '../audited.js';
import { auditQuerySchema, createKeySchema, uuidSchema } from '../schemas.js';
import { parseInput } from '../validation.js';

const DEFAULT_AUDIT_PAGE = 100;

/** Admin-only: API keys and the audit log. */
export function adminRoutes(keys: ApiKeyService, audit: AuditLog): Router {
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

  return router;
}
