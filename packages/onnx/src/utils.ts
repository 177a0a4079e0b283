/**
 * Small helpers shared by the instrumentation's files.
 */

/**
 * Process-wide state under `Symbol.for('mlmeta.<name>')`: the ESM and CJS builds of this package
 * may both load in one process, and must share patch markers and caches.
 */
export function processWide<T>(name: string, create: () => T): T {
  const key = Symbol.for(`mlmeta.${name}`);
  const slots = globalThis as Record<symbol, unknown>;
  if (!(key in slots)) slots[key] = create();
  return slots[key] as T;
}
