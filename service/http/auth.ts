import type { RequestHandler, Response } from 'express';
import type { ApiKeyService, Principal } from '../domain/access/apiKeys.js';
import type { Role } from '../domain/access/apiKeys.js';
import { forbidden, unauthenticated } from './httpErrors.js';

/** Bearer tokens longer than this are not keys (and are not worth a digest). */
const MAX_KEY_LENGTH = 256;

export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

/** Every /v1 call carries `Authorization: Bearer <key>`; the key's principal goes to res.locals. */
export function authenticate(keys: ApiKeyService): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(req.get('authorization') ?? '');
    const principal = match && match[1]!.length <= MAX_KEY_LENGTH ? await keys.authenticate(match[1]!) : undefined;
    if (!principal) throw unauthenticated();
    res.locals.principal = principal;
    next();
  };
}

/** Lets the request through for these roles (and admin, which may do everything); 403 otherwise. */
export function allow(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const principal = principalOf(res);
    if (!principal || (principal.role !== 'admin' && !roles.includes(principal.role))) throw forbidden(roles);
    next();
  };
}
