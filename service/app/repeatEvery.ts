/**
 * Runs `task` every `intervalMs` without holding the process open; a failure goes to `onError`
 * and the next run comes as planned. Returns the function that stops it.
 */
export function repeatEvery(intervalMs: number, task: () => Promise<unknown>, onError: (error: unknown) => void): () => void {
  const timer = setInterval(() => {
    task().catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
