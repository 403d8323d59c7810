/** The loyalty programme's rules: currency, points, the tier ladder, dormancy. Read from config. */
export interface Tier {
  name: string;
  /** Spend over the last 365 days needed for the tier, in currency units. */
  minSpend: number;
  pointsMultiplier: number;
}

export interface LoyaltyRules {
  currency: string;
  pointsPerCurrencyUnit: number;
  /** Lowest first; the first tier needs no spend. */
  tiers: Tier[];
  dormantAfterDays: number;
  timeZone: string;
  /** A lot of points expires this many months after it was earned; 0: never. */
  pointsExpireMonths: number;
  /** A pos key spends points and coupons only with a live recognition of the member (REDEMPTION_REQUIRES_RECOGNITION). */
  spendRequiresRecognition: boolean;
}
