import type { Config } from "../../config";
import type { CredentialStore } from "../../domain/biometric-ports";
import type { Env } from "../../env";
import { GatewayCredentialStore } from "./gateway-credential-store";
import { PerRequestMongoCredentialStore } from "./per-request-credential-store";

/** A credential store plus, in per-request mode, the client to close after the response. */
export type MongoCredentialStoreHandle = CredentialStore & { dispose?(): Promise<void> };

/**
 * The MongoDB CredentialStore for the `--env mongo` build, reached the same
 * way as the user store (MONGODB_CONNECTION). Neither adapter loads the
 * driver at import time: the gateway holds it in the Durable Object and the
 * per-request store imports it on first use.
 */
export function createMongoCredentialStore(env: Env, config: Config): MongoCredentialStoreHandle {
  const mongo = config.mongo;
  if (!mongo) throw new Error("MongoDB is not configured (MONGODB_URI)");
  if (mongo.connection === "per-request") return new PerRequestMongoCredentialStore(mongo);
  if (!env.MONGO_GATEWAY) throw new Error("MONGODB_CONNECTION=gateway needs the MONGO_GATEWAY Durable Object binding");
  // A little over the gateway's own deadline, as for the user store; `add`
  // normally takes one round trip and a few only after a lost race.
  return new GatewayCredentialStore(env.MONGO_GATEWAY, mongo.timeoutMs + 1000);
}
