/**
 * One value per process, kept in the global symbol registry under `promptscope.<name>`: the ESM and
 * CommonJS builds of a package can both be loaded in one process (the register hook as ESM, an app's own
 * `require`), and state such as open operations, in-process histograms or circuit breakers must be shared
 * by both.
 */
export function processWide<T>(name: string, create: () => T): T {
  const key = Symbol.for(`promptscope.${name}`);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  let value = holder[key];
  if (value === undefined) {
    value = create();
    holder[key] = value;
  }
  return value;
}
