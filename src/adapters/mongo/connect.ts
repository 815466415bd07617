import type { MongoClient, MongoClientOptions } from "mongodb";

export interface MongoSettings {
  uri: string;
  db: string;
  timeoutMs: number;
}

/**
 * Creates a connected client. The driver is imported lazily so that a build
 * or test that never configures MongoDB never evaluates it. Every phase has
 * a deadline: a dead cluster is a 503, never a hang.
 */
export async function connectMongo(settings: MongoSettings): Promise<MongoClient> {
  const { MongoClient } = await import("mongodb");
  // Typed as Partial: the driver's option type pulls in Node's TLS option
  // types, which this Workers-typed build does not load.
  const options: Partial<MongoClientOptions> = {
    serverSelectionTimeoutMS: settings.timeoutMs,
    connectTimeoutMS: settings.timeoutMs,
    socketTimeoutMS: settings.timeoutMs * 2,
    maxPoolSize: 4,
    minPoolSize: 0,
    retryWrites: true,
    appName: "edge-phone-auth",
  };
  const client = new MongoClient(settings.uri, options as MongoClientOptions);
  await client.connect();
  return client;
}
