/**
 * migrations/d1/*.sql in order. This empty list is what the type checker
 * sees; scripts/build-workerd.mjs bundles the real files in its place.
 */
export const MIGRATIONS: readonly { name: string; sql: string }[] = [];
