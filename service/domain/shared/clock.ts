/** The time now. Injected so that tests can move it (dormancy, visitor expiry) without waiting. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
