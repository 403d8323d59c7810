import { withTransaction, type Pool } from '../../db/pool.js';
import type { Principal } from '../access/apiKeys.js';
import { invalidInput, memberNotFound, transactionConflict } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { LoyaltyRules } from '../members/loyalty.js';
import { DEFAULT_MALL } from '../recognition/mallPartitions.js';
import type { Clock } from '../shared/clock.js';
import type { MemberRepository } from '../../repositories/memberRepository.js';
import type { Sale, SaleRepository } from '../../repositories/saleRepository.js';
import { MAX_CLOCK_SKEW_MS } from './purchaseService.js';

export interface SaleRequest {
  saleId: string;
  storeId?: string;
  amount: number;
  currency: string;
  /** The till's time; unset: now. */
  at?: string;
  memberId?: string;
}

/**
 * Every sale of a till, a member's or not (POST /v1/sales), so that the members' share of sales
 * is counted, not guessed. Idempotent by the sale id, which a member's purchase shares (its
 * transaction id): whichever comes first makes the one row, the other names its member or finds
 * it there. The same id with another amount, currency or store is a TRANSACTION_CONFLICT. No points:
 * those are the member's purchase's.
 */
export class SaleService {
  constructor(
    private readonly deps: {
      pool: Pool;
      sales: SaleRepository;
      members: MemberRepository;
      outbox: Outbox;
      rules: Pick<LoyaltyRules, 'currency'>;
      clock: Clock;
    },
  ) {}

  async record(request: SaleRequest, principal?: Principal): Promise<{ sale: Sale; replayed: boolean }> {
    if (request.currency !== this.deps.rules.currency) throw invalidInput(`this deployment counts sales in ${this.deps.rules.currency}, not ${request.currency}`);
    const now = this.deps.clock();
    const at = request.at ? new Date(request.at) : now;
    if (at.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) throw invalidInput('at is in the future');
    const storeId = request.storeId ?? principal?.storeId ?? null;
    return withTransaction(this.deps.pool, async (tx) => {
      if (request.memberId && !(await this.deps.members.findById(request.memberId, tx))) throw memberNotFound(request.memberId);
      const again = async (existing: Sale) => {
        const same = existing.amount === request.amount && existing.currency === request.currency && existing.storeId === storeId;
        if (!same || (request.memberId && existing.memberId && existing.memberId !== request.memberId)) throw transactionConflict(request.saleId, 'sale');
        if (request.memberId && !existing.memberId) await this.deps.sales.attachMember(request.saleId, request.memberId, tx);
        return { sale: { ...existing, memberId: existing.memberId ?? request.memberId ?? null }, replayed: true };
      };
      const existing = await this.deps.sales.lock(request.saleId, tx);
      if (existing) return again(existing);
      const sale = await this.deps.sales.insertOnce(
        { saleId: request.saleId, storeId, amount: request.amount, currency: request.currency, at, memberId: request.memberId ?? null, fallbackMallId: principal?.mallId ?? DEFAULT_MALL },
        tx,
      );
      // Taken meanwhile by a purchase or another report of the same sale (committed): compare with it.
      if (!sale) return again((await this.deps.sales.lock(request.saleId, tx))!);
      await this.deps.outbox.record(tx, 'sale.recorded', { saleId: sale.saleId, mallId: sale.mallId, storeId: sale.storeId, amount: sale.amount, currency: sale.currency, memberId: sale.memberId }, at);
      return { sale, replayed: false };
    });
  }
}
