/**
 * An error with a stable code and client-safe details: the base of the domain's errors and of the
 * transport's own. Subclasses fix the set of codes; the HTTP layer maps each code to a status.
 */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    /** Extra machine-readable detail that is safe to show to the client (never internals). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
