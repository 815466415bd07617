/** The service that hosts the SqliteDatabase Durable Object (config.capnp `d1`). It answers no requests of its own. */
export { SqliteDatabase } from "./database";

export default {
  fetch: (): Response => new Response("not found", { status: 404 }),
} satisfies ExportedHandler;
