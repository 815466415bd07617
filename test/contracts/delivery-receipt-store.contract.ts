import { describe, expect, it } from "vitest";
import type { DeliveryReceiptStore, StoredReceipt } from "../../src/domain/delivery-receipts";
import { rid } from "./util";

const receipt = (status: string, state: StoredReceipt["state"], at: number, errorCode: number | null = null): StoredReceipt => ({ status, state, errorCode, updatedAt: at });

/** Behaviour every DeliveryReceiptStore adapter must have (issue 13: a receipt per message id, a final state never replaced, counted once). */
export function deliveryReceiptStoreContract(name: string, make: () => DeliveryReceiptStore | Promise<DeliveryReceiptStore>): void {
  describe(`DeliveryReceiptStore contract: ${name}`, () => {
    it("keeps the latest status per message id; the first final one returns true, once", async () => {
      const store = await make();
      const id = `SM${rid(16)}`;
      const now = Date.now();
      expect(await store.get(id, now)).toBeNull();
      expect(await store.record(id, receipt("queued", "pending", now), now + 60_000, now)).toBe(false);
      expect(await store.record(id, receipt("sent", "pending", now + 1), now + 60_000, now + 1)).toBe(false);
      expect(await store.get(id, now + 2)).toEqual(receipt("sent", "pending", now + 1));
      expect(await store.record(id, receipt("undelivered", "failed", now + 2, 30003), now + 60_000, now + 2)).toBe(true);
      expect(await store.get(id, now + 3)).toEqual(receipt("undelivered", "failed", now + 2, 30003));
      // A retried or late callback changes nothing and is not counted again.
      expect(await store.record(id, receipt("undelivered", "failed", now + 3, 30003), now + 60_000, now + 3)).toBe(false);
      expect(await store.record(id, receipt("sent", "pending", now + 4), now + 60_000, now + 4)).toBe(false);
      expect(await store.record(id, receipt("delivered", "delivered", now + 5), now + 60_000, now + 5)).toBe(false);
      expect(await store.get(id, now + 6)).toEqual(receipt("undelivered", "failed", now + 2, 30003));
    });

    it("a final status arriving first is counted; receipts are per message id", async () => {
      const store = await make();
      const [a, b] = [`SM${rid(16)}`, `CA${rid(16)}`];
      const now = Date.now();
      expect(await store.record(a, receipt("delivered", "delivered", now), now + 60_000, now)).toBe(true);
      expect(await store.record(b, receipt("no-answer", "failed", now), now + 60_000, now)).toBe(true);
      expect((await store.get(a, now))?.state).toBe("delivered");
      expect((await store.get(b, now))?.status).toBe("no-answer");
    });

    it("of concurrent final callbacks for one message exactly one is counted", async () => {
      const store = await make();
      const id = `SM${rid(16)}`;
      const now = Date.now();
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.record(id, receipt(i % 2 ? "delivered" : "failed", i % 2 ? "delivered" : "failed", now), now + 60_000, now)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("a receipt is gone after its expiry", async () => {
      const store = await make();
      const id = `SM${rid(16)}`;
      const now = Date.now();
      await store.record(id, receipt("delivered", "delivered", now), now + 1500, now);
      expect(await store.get(id, now + 1000)).not.toBeNull();
      // Redis expires on its own clock (PXAT): wait past the expiry rather than move a clock.
      await new Promise((r) => setTimeout(r, 1600));
      expect(await store.get(id, Date.now())).toBeNull();
      // Once expired, the id starts afresh.
      expect(await store.record(id, receipt("delivered", "delivered", Date.now()), Date.now() + 60_000, Date.now())).toBe(true);
    });
  });
}
