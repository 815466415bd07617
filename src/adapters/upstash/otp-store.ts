import type { Redis } from "@upstash/redis/cloudflare";
import type { OtpPurpose, OtpRecord, OtpStore } from "../../domain/ports";
import { withDeadline } from "../../lib/deadline";
import { parseStored } from "./client";

const PURPOSES: readonly OtpPurpose[] = ["sign_in", "step_up"];
const key = (phoneHash: string, purpose: OtpPurpose): string => `otp:${phoneHash}:${purpose}`;

// Compare-and-delete in one script: only a caller holding the current digest
// of a live record deletes it, so concurrent verifies consume a code once.
const CONSUME = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, rec = pcall(cjson.decode, raw)
if not ok then return 0 end
if rec.digest ~= ARGV[1] or tonumber(rec.expiresAt) <= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/** Production OtpStore: `otp:{phoneHash}:{purpose}` → JSON record, expiring at `expiresAt` (PXAT). */
export class UpstashOtpStore implements OtpStore {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  put(phoneHash: string, purpose: OtpPurpose, record: OtpRecord): Promise<void> {
    return withDeadline("otp-store", this.timeoutMs, async () => {
      await this.redis.set(key(phoneHash, purpose), JSON.stringify(record), { pxat: record.expiresAt });
    });
  }

  get(phoneHash: string, purpose: OtpPurpose, now: number): Promise<OtpRecord | null> {
    return withDeadline("otp-store", this.timeoutMs, async () => {
      const record = parseStored<OtpRecord>(await this.redis.get(key(phoneHash, purpose)));
      return record && record.expiresAt > now ? record : null;
    });
  }

  consume(phoneHash: string, purpose: OtpPurpose, digest: string, now: number): Promise<boolean> {
    return withDeadline("otp-store", this.timeoutMs, async () => {
      const deleted = await this.redis.eval(CONSUME, [key(phoneHash, purpose)], [digest, String(now)]);
      return Number(deleted) === 1;
    });
  }

  clear(phoneHash: string): Promise<void> {
    return withDeadline("otp-store", this.timeoutMs, async () => {
      await this.redis.del(...PURPOSES.map((p) => key(phoneHash, p)));
    });
  }
}
