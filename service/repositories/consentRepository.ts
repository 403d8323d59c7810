import type { Queryable } from '../db/pool.js';

export type ConsentPurpose = 'faceRecognition';

export interface ConsentRecord {
  purpose: ConsentPurpose;
  granted: boolean;
  /** The version of the consent text the member was shown, when the channel gave it. */
  textVersion: string | null;
  source: string;
  at: string;
}

/** The history of members' consents: appended, never changed, erased with the member. */
export class ConsentRepository {
  constructor(private readonly db: Queryable) {}

  async record(memberId: string, consent: Omit<ConsentRecord, 'at'>, tx: Queryable): Promise<void> {
    await tx.query('INSERT INTO consent_records (member_id, purpose, granted, text_version, source) VALUES ($1, $2, $3, $4, $5)', [
      memberId,
      consent.purpose,
      consent.granted,
      consent.textVersion,
      consent.source,
    ]);
  }

  async listByMember(memberId: string): Promise<ConsentRecord[]> {
    const { rows } = await this.db.query<{ purpose: ConsentPurpose; granted: boolean; text_version: string | null; source: string; at: Date }>(
      'SELECT purpose, granted, text_version, source, at FROM consent_records WHERE member_id = $1 ORDER BY at, id',
      [memberId],
    );
    return rows.map((row) => ({ purpose: row.purpose, granted: row.granted, textVersion: row.text_version, source: row.source, at: row.at.toISOString() }));
  }
}
