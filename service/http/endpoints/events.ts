import { createSession } from 'better-sse';
import { endpoint } from '../endpoint.js';

/** Live camera visits as server-sent events (read with fetch: EventSource cannot send the Authorization header). */
export const eventEndpoints = [
  endpoint({
    method: 'get',
    path: '/v1/events/visits',
    summary: "Camera visits as they happen (server-sent events; this replica's frames)",
    roles: ['operator'],
    responses: { 200: { description: 'an event stream of `visit` events', contentType: 'text/event-stream' } },
    errors: [],
    handle: async ({ req, res }, { feed }) => {
      const session = await createSession(req, res, { keepAlive: 15_000, headers: { 'cache-control': 'no-store', 'x-accel-buffering': 'no' } });
      const unsubscribe = feed.subscribe((event) => session.push(event, 'visit'));
      session.once('disconnected', unsubscribe);
    },
  }),
];
