import type { Config } from "./config";
import type { Authenticated } from "./domain/sessions";
import type { Env } from "./env";
import type { Services } from "./services";

/** Hono generics for the whole app: bindings and typed context variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    services: Services;
    auth: Authenticated;
    /** Routes that work with or without a session (middleware/optional-session). */
    maybeAuth: Authenticated | null;
    /** Per-IP limit subject (middleware/client-ip). */
    clientIp: string;
  };
}
