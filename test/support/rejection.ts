import { expect } from "vitest";

/** The error `p` rejects with, asserted to be a `type`. */
export async function rejection<T>(p: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(type);
  return err as T;
}
