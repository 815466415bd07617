import { describe, expect, it } from "vitest";
import type { IdempotencyStore, IdempotentAnswer } from "../../src/domain/idempotency";
import { rid } from "./util";

const ANSWER: IdempotentAnswer = { status: 200, body: '{"status":"sent","expiresIn":300,"resendAfter":60}', retryAt: null };

/** Behaviour every IdempotencyStore adapter must have (FRAUD-07). */
export function idempotencyStoreContract(name: string, make: () => IdempotencyStore | Promise<IdempotencyStore>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    it("FRAUD-07: claims a new key, then answers in_progress, replays the completed answer, and refuses another body", async () => {
      const store = await make();
      const id = rid();
      const now = Date.now();
      expect(await store.claim(id, "fp-a", now, 60_000)).toEqual({ status: "claimed" });
      expect(await store.claim(id, "fp-a", now + 1, 60_000)).toEqual({ status: "in_progress" });
      expect(await store.claim(id, "fp-b", now + 1, 60_000)).toEqual({ status: "mismatch" });
      await store.complete(id, "fp-a", ANSWER, now + 600_000, now + 2);
      expect(await store.claim(id, "fp-a", now + 3, 60_000)).toEqual({ status: "replay", answer: ANSWER });
      expect(await store.claim(id, "fp-b", now + 3, 60_000)).toEqual({ status: "mismatch" });
      // Other keys are independent.
      expect(await store.claim(rid(), "fp-a", now, 60_000)).toEqual({ status: "claimed" });
    });

    it("FRAUD-07: of 10 concurrent claims of one key exactly one is granted", async () => {
      const store = await make();
      const id = rid();
      const now = Date.now();
      const results = await Promise.all(Array.from({ length: 10 }, () => store.claim(id, "fp", now, 60_000)));
      expect(results.filter((r) => r.status === "claimed")).toHaveLength(1);
      expect(results.filter((r) => r.status === "in_progress")).toHaveLength(9);
    });

    it("a completed answer expires at its time; a pending claim lapses at pendingMs; a release frees the key", async () => {
      const store = await make();
      const now = Date.now();
      const done = rid();
      await store.claim(done, "fp", now, 60_000);
      await store.complete(done, "fp", ANSWER, now + 600_000, now);
      expect((await store.claim(done, "fp", now + 599_999, 60_000)).status).toBe("replay");
      expect(await store.claim(done, "other", now + 600_000, 60_000)).toEqual({ status: "claimed" });

      const lapsed = rid();
      await store.claim(lapsed, "fp", now, 60_000);
      expect((await store.claim(lapsed, "fp", now + 59_999, 60_000)).status).toBe("in_progress");
      expect((await store.claim(lapsed, "fp", now + 60_000, 60_000)).status).toBe("claimed");

      const released = rid();
      await store.claim(released, "fp", now, 60_000);
      await store.release(released, "other-fp");
      expect((await store.claim(released, "fp", now, 60_000)).status).toBe("in_progress");
      await store.release(released, "fp");
      expect((await store.claim(released, "fp", now, 60_000)).status).toBe("claimed");
    });

    it("only the live pending claim completes; a completed answer is not released", async () => {
      const store = await make();
      const now = Date.now();
      const id = rid();
      // Completing a key nobody claimed, or with another body, stores nothing.
      await store.complete(id, "fp", ANSWER, now + 600_000, now);
      expect((await store.claim(id, "fp", now, 60_000)).status).toBe("claimed");
      await store.complete(id, "other", ANSWER, now + 600_000, now);
      expect((await store.claim(id, "fp", now, 60_000)).status).toBe("in_progress");
      // A claim that lapsed and was taken over: the first request's late answer is dropped.
      await store.claim(id, "fp", now + 60_000, 60_000);
      await store.complete(id, "fp", { ...ANSWER, status: 502 }, now + 600_000, now + 130_000);
      expect((await store.claim(id, "fp", now + 130_001, 60_000)).status).toBe("claimed");
      await store.complete(id, "fp", ANSWER, now + 600_000, now + 130_002);
      await store.release(id, "fp");
      expect(await store.claim(id, "fp", now + 130_003, 60_000)).toEqual({ status: "replay", answer: ANSWER });
    });
  });
}
