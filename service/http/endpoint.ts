import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Principal } from '../domain/access/apiKeys.js';
import type { DomainError } from '../domain/errors.js';
import type { Role } from '../domain/access/apiKeys.js';
import type { ApiServices } from './apiServices.js';
import type { AuditNote } from './audited.js';
import type { ApiErrorCode } from './errorStatus.js';
import type { ImageUpload } from './imageUpload.js';

/**
 * One endpoint, declared once: from this the router is mounted (service/http/mountEndpoints.ts),
 * /openapi.json generated (service/http/openapi.ts) and the role test derived. A new endpoint is
 * one declaration and its handler.
 */
export interface Endpoint<P extends z.ZodObject = z.ZodObject, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express syntax: `/v1/members/:id`. */
  path: string;
  summary: string;
  /** Roles that may call it (admin may call everything), or `public` for probes outside /v1. */
  roles: readonly Role[] | 'public';
  params?: P;
  /** A malformed id names nothing: the not-found error of each id parameter, answered instead of VALIDATION_FAILED. */
  notFound?: Record<string, () => DomainError>;
  query?: Q;
  /** A JSON body, parsed up to `jsonLimit` (default 16 KB). */
  json?: B;
  jsonLimit?: string;
  /** An image body: raw image bytes, or multipart/form-data with a file field `image` and these text fields. */
  image?: { fields?: z.ZodObject };
  /** The answers, by status; a schema documents (and, with contract checks on, verifies) the JSON body. */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /** Error codes the handler itself may answer; the transport's own (auth, limits, input) are added. */
  errors: readonly ApiErrorCode[];
  /** Audit action recorded for every call, refused ones included. */
  audit?: string;
  handle(context: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>, services: ApiServices): Promise<Reply | void> | Reply | void;
}

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  /** The parsed JSON body (undefined when an image was sent instead). */
  body: B;
  /** The image of an image endpoint (undefined when JSON was sent instead). */
  upload: ImageUpload | undefined;
  principal: Principal | undefined;
  /** Adds to the call's audit record. */
  audit: (note: AuditNote) => void;
  req: Request;
  /** Only for answers that are not one JSON body (streams, photos); return nothing then. */
  res: Response;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** 204 once `done` has: the answer of a removal. */
/** The answers of an idempotent write, declared: 201 with `schema` for a new one, 200 with the first answer again for a replay. */
export const idempotentResponses = (description: string, schema: z.ZodType): Endpoint['responses'] => ({
  201: { description, schema },
  200: { description: 'the first answer again, for a repeated request (header idempotent-replayed: true)', schema },
});

/** 201 for a new write, 200 with the first answer for a replay of an idempotent request (header idempotent-replayed). */
export const replyOf = (receipt: unknown, replayed: boolean): Reply => ({ status: replayed ? 200 : 201, headers: { 'idempotent-replayed': String(replayed) }, body: receipt });

export const noContent = async (done: Promise<unknown>): Promise<Reply> => {
  await done;
  return { status: 204 };
};

/** Declares an endpoint; the identity, there for type inference of the handler's input. */
export function endpoint<P extends z.ZodObject = z.ZodObject, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUndefined>(
  declaration: Endpoint<P, Q, B>,
): Endpoint {
  return declaration;
}

/** The image endpoints' own error codes (decoding, size, format, models warming up). */
const IMAGE_ERRORS: readonly ApiErrorCode[] = ['VALIDATION_FAILED', 'INVALID_IMAGE', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'NOT_READY', 'OVERLOADED'];

/** Every code an endpoint may answer: its own, and what the transport adds for its kind. */
export function errorsOf(endpoint: Endpoint): ApiErrorCode[] {
  const codes = new Set<ApiErrorCode>(endpoint.errors);
  if (endpoint.roles !== 'public') for (const code of ['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'DEPENDENCY_UNAVAILABLE'] as const) codes.add(code);
  for (const notFound of Object.values(endpoint.notFound ?? {})) codes.add(notFound().code);
  if (endpoint.params && Object.keys(endpoint.params.shape).length > Object.keys(endpoint.notFound ?? {}).length) codes.add('VALIDATION_FAILED');
  if (endpoint.query) codes.add('VALIDATION_FAILED');
  if (endpoint.json) for (const code of ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const) codes.add(code);
  if (endpoint.image) for (const code of IMAGE_ERRORS) codes.add(code);
  codes.add('INTERNAL');
  return [...codes];
}
