/**
 * Patching that can be undone, is never applied twice (ESM and CJS hooks, or `instrument()` after the
 * register hook, may both see the same class), and keeps the wrapped method looking like the original.
 */

const ORIGINAL = Symbol.for('promptscope.original');

// biome-ignore lint/suspicious/noExplicitAny: a method of any shape
type AnyFunction = (this: any, ...args: any[]) => any;

export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[ORIGINAL] !== undefined;
}

/** Replaces `target[name]` with `makeWrapper(original)`. Returns false when there is nothing to wrap. */
export function wrapMethod(target: object, name: string, makeWrapper: (original: AnyFunction) => AnyFunction): boolean {
  const holder = target as Record<string, unknown>;
  const original = holder[name];
  if (typeof original !== 'function' || isWrapped(original)) return false;
  const wrapper = makeWrapper(original as AnyFunction);
  Object.defineProperty(wrapper, ORIGINAL, { value: original, enumerable: false });
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  const desc = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, {
    value: wrapper,
    writable: desc?.writable ?? true,
    enumerable: desc?.enumerable ?? false,
    configurable: true,
  });
  return true;
}

/** Restores what {@link wrapMethod} replaced. */
export function unwrapMethod(target: object, name: string): void {
  const holder = target as Record<string, unknown>;
  const current = holder[name];
  if (!isWrapped(current)) return;
  const original = (current as unknown as Record<symbol, unknown>)[ORIGINAL];
  const desc = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, {
    value: original,
    writable: desc?.writable ?? true,
    enumerable: desc?.enumerable ?? false,
    configurable: true,
  });
}
