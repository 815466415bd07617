import type { Hook } from "@hono/zod-openapi";
import { AuthError } from "../errors";

/**
 * zod-openapi hook: a body that fails its schema becomes 400
 * `invalid_request`. The message names the fields, never their values.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Hook's generics are library-defined
export const validationHook: Hook<any, any, any, any> = (result) => {
  if (result.success) return;
  const fields = [...new Set(result.error.issues.map((i) => i.path.join(".") || "body"))].slice(0, 5);
  throw new AuthError("invalid_request", { message: `Invalid or missing field(s): ${fields.join(", ")}.` });
};
