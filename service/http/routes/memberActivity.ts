import express, { Router } from 'express';
import type { PurchaseService } from '../../domain/purchaseService.js';
import type { VisitService } from '../../domain/visitService.js';
import { decodeCursor } from '../../repositories/pageCursor.js';
import { historyQuerySchema, purchaseSchema, UUID_PATTERN } from '../schemas.js';
import { allow } from '../auth.js';
import { parseInput } from '../validation.js';
import { memberIdParam } from './members.js';

const DEFAULT_PAGE = 50;
/** A receipt of 500 lines fits in well under this. */
const PURCHASE_BODY_LIMIT = '128kb';

function pageQuery(query: unknown, idPattern?: RegExp) {
  const { limit, cursor } = parseInput(historyQuerySchema, query, 'query');
  return { limit: limit ?? DEFAULT_PAGE, after: cursor === undefined ? undefined : decodeCursor(cursor, idPattern) };
}

/** A member's purchases (and the points they earn) and visit history. */
export function memberActivityRoutes(purchases: PurchaseService, visits: VisitService): Router {
  const router = Router();

  router.post('/:id/purchases', allow('pos'), express.json({ limit: PURCHASE_BODY_LIMIT }), async (req, res) => {
    const id = memberIdParam(req.params.id);
    const { receipt, replayed } = await purchases.record(id, parseInput(purchaseSchema, req.body, 'body'));
    res.status(replayed ? 200 : 201).setHeader('idempotent-replayed', String(replayed)).json(receipt);
  });

  router.get('/:id/purchases', allow('operator'), async (req, res) => {
    const id = memberIdParam(req.params.id);
    const { limit, after } = pageQuery(req.query);
    res.json(await purchases.history(id, limit, after));
  });

  router.get('/:id/visits', allow('operator'), async (req, res) => {
    const id = memberIdParam(req.params.id);
    const { limit, after } = pageQuery(req.query, UUID_PATTERN);
    res.json(await visits.history(id, limit, after));
  });

  return router;
}
