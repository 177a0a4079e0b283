/**
 * Objects built from user keys: `out[key] = value` with the key `__proto__` sets the object's
 * prototype instead of adding a key (the value is lost), and `key in out` is true for inherited
 * names such as `constructor`. Building with these keeps every key as the user's data.
 */

/** Sets `key` as an own, enumerable property, whatever the key (including `__proto__`). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
