import { endpoint } from '../endpoint.js';
import { notReady } from '../httpErrors.js';
import * as out from '../responses.js';

/** Open to probes and scrapers, outside /v1: liveness, readiness, metrics, this API's description. */
export const probeEndpoints = [
  endpoint({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    roles: 'public',
    responses: { 200: { description: 'alive', schema: out.health } },
    errors: [],
    handle: () => ({ body: { status: 'ok' } }),
  }),
  endpoint({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: models warm, index caught up with the change log, database answering',
    roles: 'public',
    responses: { 200: { description: 'ready', schema: out.readiness } },
    errors: ['NOT_READY'],
    handle: async (_context, { readiness }) => {
      const checks = await readiness.check();
      if (!Object.values(checks).every(Boolean)) throw notReady(checks);
      return { body: { status: 'ready', checks } };
    },
  }),
  endpoint({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    roles: 'public',
    responses: { 200: { description: 'text exposition format', contentType: 'text/plain' } },
    errors: [],
    handle: async ({ res }, { metrics }) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  }),
  endpoint({
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    roles: 'public',
    responses: { 200: { description: 'OpenAPI 3.1' } },
    errors: [],
    handle: (_context, { openapi }) => ({ body: openapi() }),
  }),
];
