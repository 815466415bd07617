import type { Redis } from "@upstash/redis/cloudflare";
import type { DeliveryReceiptStore, StoredReceipt } from "../../domain/delivery-receipts";
import { withDeadline } from "../../lib/deadline";
import { parseStored } from "./client";

const receiptKey = (messageId: string): string => `receipt:${messageId}`;

// Stores the receipt unless a final one is stored; 1 when this one is the
// first final. One script, so of two callbacks racing only one counts.
const RECORD = `
local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, r = pcall(cjson.decode, raw)
  if ok and type(r) == 'table' and r.state ~= 'pending' then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
if ARGV[3] == 'pending' then return 0 end
return 1
`;

/** Production DeliveryReceiptStore: `receipt:{messageId}` → JSON StoredReceipt (docs/storage.md), expiring 3 days after its latest status (PXAT). */
export class UpstashDeliveryReceiptStore implements DeliveryReceiptStore {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  record(messageId: string, r: StoredReceipt, expiresAt: number): Promise<boolean> {
    return withDeadline("delivery-receipts", this.timeoutMs, async () => {
      const first = await this.redis.eval(RECORD, [receiptKey(messageId)], [JSON.stringify(r), String(expiresAt), r.state]);
      return Number(first) === 1;
    });
  }

  get(messageId: string): Promise<StoredReceipt | null> {
    return withDeadline("delivery-receipts", this.timeoutMs, async () => parseStored<StoredReceipt>(await this.redis.get(receiptKey(messageId))));
  }
}
