/**
 * Runs async jobs one at a time, in arrival order. Enrollment uses it so that the duplicate-face
 * check and the insert of one enrollment cannot interleave with another's in this process.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
