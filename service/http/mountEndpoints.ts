import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { ApiServices } from './apiServices.js';
import { audited, noteAudit } from './audited.js';
import { allow, authenticate, principalOf } from './auth.js';
import type { Endpoint, Reply } from './endpoint.js';
import { readImageUpload, rawImageParser } from './imageUpload.js';
import { rateLimitPerKey } from './rateLimit.js';
import { parseInput } from './validation.js';

/** JSON bodies of the API are small (a member, a descriptor); endpoints that need more say so. */
const JSON_BODY_LIMIT = '16kb';

export interface MountOptions {
  maxUploadBytes: number;
  rateLimitPerMinute: number;
  /**
   * Every answer is parsed against its declaration and stripped of what it does not declare; with
   * contract checks on (the test suite), an undeclared status or an answer unlike its declaration
   * names the problem in a 500 instead of a bare one.
   */
  contractChecks: boolean;
}

/**
 * The life of a request to an endpoint: its declaration noted (for the error handler), the key
 * authenticated and rate-limited, the audit record opened, the role checked, the body read, the
 * input parsed, the handler called, the answer sent. Errors anywhere go to the one error handler.
 */
export function mountEndpoints(endpoints: readonly Endpoint[], services: ApiServices, options: MountOptions): Router {
  const router = Router();
  const keyChecks = [authenticate(services.keys), rateLimitPerKey(options.rateLimitPerMinute)];
  for (const endpoint of [...endpoints].sort(routingOrder)) {
    const chain: RequestHandler[] = [declared(endpoint)];
    if (endpoint.roles !== 'public') chain.push(...keyChecks);
    if (endpoint.audit) chain.push(audited(services.audit, endpoint.audit));
    if (endpoint.roles !== 'public') chain.push(allow(...endpoint.roles));
    if (endpoint.json) chain.push(express.json({ limit: endpoint.jsonLimit ?? JSON_BODY_LIMIT }));
    if (endpoint.image) chain.push(rawImageParser(options.maxUploadBytes));
    chain.push(handlerOf(endpoint, services, options));
    router[endpoint.method](endpoint.path, ...chain);
  }
  return router;
}

/** The endpoint that answers this request, for the error handler's contract check. */
export function endpointOf(res: Response): Endpoint | undefined {
  return res.locals.endpoint as Endpoint | undefined;
}

function declared(endpoint: Endpoint): RequestHandler {
  return (_req, res, next) => {
    res.locals.endpoint = endpoint;
    next();
  };
}

/** Literal path segments are tried before parameters (`/faces/descriptors` before `/faces/:faceId`). */
function routingOrder(a: Endpoint, b: Endpoint): number {
  const key = (path: string) => path.split('/').map((segment) => (segment.startsWith(':') ? '\u{10FFFF}' : segment));
  const [ka, kb] = [key(a.path), key(b.path)];
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  }
  return ka.length - kb.length;
}

/** Path parameters; a malformed id names nothing, so it gets the id's not-found error. */
function parseParams(endpoint: Endpoint, raw: unknown): Record<string, unknown> {
  if (!endpoint.params) return {};
  const result = endpoint.params.safeParse(raw);
  if (result.success) return result.data;
  const notFound = endpoint.notFound?.[String(result.error.issues[0]?.path[0])];
  if (notFound) throw notFound();
  return parseInput(endpoint.params, raw, 'path');
}

async function readBody(endpoint: Endpoint, req: Request, maxUploadBytes: number) {
  if (endpoint.json && (!endpoint.image || req.is('application/json'))) return { body: parseInput(endpoint.json, req.body, 'body'), upload: undefined };
  if (endpoint.image) return { body: undefined, upload: await readImageUpload(req, maxUploadBytes) };
  return { body: undefined, upload: undefined };
}

function handlerOf(endpoint: Endpoint, services: ApiServices, options: MountOptions): RequestHandler {
  return async (req, res) => {
    const params = parseParams(endpoint, req.params);
    const query = endpoint.query ? parseInput(endpoint.query, req.query, 'query') : {};
    const { body, upload } = await readBody(endpoint, req, options.maxUploadBytes);
    const reply = await endpoint.handle(
      { params, query, body, upload, principal: principalOf(res), audit: (note) => noteAudit(res, note), req, res },
      services,
    );
    if (!reply) return; // the handler answered itself (a stream, a photo)
    const answer = declaredBody(endpoint, reply, options.contractChecks);
    res.status(reply.status ?? 200);
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    if (answer === undefined) res.end();
    else res.json(answer);
  };
}

/**
 * The body as its declaration describes it: parsed against the declared schema, which strips every
 * field it does not name (Logto's koa-guard does the same), so nothing the domain happened to carry
 * leaves. An answer unlike its declaration is a bug, answered 500 whatever the settings: better no
 * answer than an unchecked one.
 */
function declaredBody(endpoint: Endpoint, reply: Reply, contractChecks: boolean): unknown {
  const status = reply.status ?? 200;
  const declaredAnswer = endpoint.responses[status];
  const where = `${endpoint.method.toUpperCase()} ${endpoint.path}`;
  if (!declaredAnswer) {
    if (contractChecks) throw new Error(`${where} answered ${status}, which it does not declare`);
    return reply.body;
  }
  if (!declaredAnswer.schema || reply.body === undefined) return reply.body;
  // Through JSON first: dates become strings, undefined fields go, as the client will see them.
  const result = declaredAnswer.schema.safeParse(JSON.parse(JSON.stringify(reply.body)));
  if (!result.success) throw new Error(`${where} answered ${status} unlike its declaration: ${result.error.message}`);
  return result.data;
}
