import { DependencyError } from "../errors";

/**
 * Calls a Durable Object with a deadline. A stub that errors or hangs becomes
 * a DependencyError (503), so limits and counters fail closed (SEND-06).
 */
export async function withDeadline<T>(dependency: string, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  const work = call();
  // If the deadline wins, the abandoned call may still fail later; observe it
  // so it is not reported as an unhandled rejection.
  work.catch(() => {});
  try {
    return await Promise.race([work, deadline]);
  } catch (err) {
    throw new DependencyError(dependency, err);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
