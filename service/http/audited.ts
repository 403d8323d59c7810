import type { Request, RequestHandler, Response } from 'express';
import type { AuditLog } from '../domain/access/auditLog.js';
import { principalOf } from './auth.js';
import { UUID_PATTERN } from './schemas.js';

/** What a route may add to its audit record (set on res.locals.audit). */
export interface AuditNote {
  memberId?: string | null;
  details?: Record<string, unknown>;
}

/** Adds to the audit record of this request. */
export function noteAudit(res: Response, note: AuditNote): void {
  res.locals.audit = { ...(res.locals.audit as AuditNote | undefined), ...note };
}

/**
 * Records the request in the audit log once the response is sent, whatever its outcome (allowed,
 * refused, failed): who, the action, the member (the `:id` path parameter unless the route names
 * one), the status and the error code.
 */
export function audited(audit: AuditLog, action: string): RequestHandler {
  return (req: Request, res: Response, next) => {
    // Read now: the router puts req.params back when an error leaves it, before the response ends.
    const pathId = typeof req.params.id === 'string' && UUID_PATTERN.test(req.params.id) ? req.params.id : null;
    res.on('finish', () => {
      const principal = principalOf(res);
      const note = (res.locals.audit ?? {}) as AuditNote;
      audit.record({
        keyId: principal?.keyId ?? null,
        keyName: principal?.name ?? null,
        role: principal?.role ?? null,
        action,
        memberId: note.memberId !== undefined ? note.memberId : pathId,
        outcome: res.statusCode < 400 ? 'ok' : String(res.locals.errorCode ?? res.statusCode),
        status: res.statusCode,
        requestId: typeof req.id === 'string' ? req.id : null,
        details: note.details ?? {},
      });
    });
    next();
  };
}
