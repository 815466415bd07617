import type { Redis } from "@upstash/redis/cloudflare";
import { LINE_TYPES, type LineType, type LineTypeCache } from "../../domain/line-type";
import { withDeadline } from "../../lib/deadline";
import { parseStored } from "./client";

const cacheKey = (phoneHash: string): string => `linetype:${phoneHash}`;

/** Production LineTypeCache: `linetype:{phoneHash}` → `{"lineType","expiresAt"}`, expiring at `expiresAt` (PXAT). */
export class UpstashLineTypeCache implements LineTypeCache {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  get(phoneHash: string, now: number): Promise<LineType | null> {
    return withDeadline("line-type-cache", this.timeoutMs, async () => {
      const stored = parseStored<{ lineType: string; expiresAt: number }>(await this.redis.get(cacheKey(phoneHash)));
      // The Worker's clock decides, like every other expiry; an unknown value is no cache entry.
      if (!stored || stored.expiresAt <= now || !(LINE_TYPES as readonly string[]).includes(stored.lineType)) return null;
      return stored.lineType as LineType;
    });
  }

  put(phoneHash: string, lineType: LineType, expiresAt: number): Promise<void> {
    return withDeadline("line-type-cache", this.timeoutMs, async () => {
      await this.redis.set(cacheKey(phoneHash), JSON.stringify({ lineType, expiresAt }), { pxat: expiresAt });
    });
  }
}
