import type { Redis } from "@upstash/redis/cloudflare";
import type { ChallengeRecord, ChallengeStore } from "../../domain/biometric-ports";
import { withDeadline } from "../../lib/deadline";
import { parseStored } from "./client";

const challengeKey = (id: string): string => `challenge:${id}`;

/**
 * Production ChallengeStore: `challenge:{id}` → JSON record, expiring at its
 * `expiresAt` (PXAT). A take is one GETDEL, atomic in Redis: of concurrent
 * takes exactly one reads the value (BIO-01).
 */
export class UpstashChallengeStore implements ChallengeStore {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  put(id: string, record: ChallengeRecord): Promise<void> {
    return withDeadline("challenge-store", this.timeoutMs, async () => {
      await this.redis.set(challengeKey(id), JSON.stringify(record), { pxat: record.expiresAt });
    });
  }

  take(id: string, now: number): Promise<ChallengeRecord | null> {
    return withDeadline("challenge-store", this.timeoutMs, async () => {
      const record = parseStored<ChallengeRecord>(await this.redis.getdel(challengeKey(id)));
      return record && record.expiresAt > now ? record : null;
    });
  }
}
