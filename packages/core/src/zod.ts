/**
 * zod, loaded and its schemas built at their first use, not when core is imported. Loading zod
 * (95 files, 60 of them locales) and building core's schemas was most of what importing core
 * cost, and the preload hook imports core in every process the moment tfjs or onnxruntime
 * loads, while validation is needed only at the edges: a store's inputs, the HTTP API, imports,
 * options in code. (docs/BENCHMARKS.md, "Preload hook".)
 *
 * zod is loaded with a synchronous require, from both builds: in an ES module process that
 * also imports zod itself, that is zod's CommonJS build beside the ESM one, and schemas of the
 * two still compose (zod 4 recognizes its schemas by their traits, not by class identity).
 */
import { createRequire } from 'node:module';
import type * as Zod from 'zod';
import { ownModule } from './own-module.js';

type ZodNamespace = typeof Zod.z;

let loaded: ZodNamespace | undefined;

function load(): ZodNamespace {
  if (loaded === undefined) {
    const require = createRequire(ownModule());
    loaded = (require('zod') as typeof Zod).z;
  }
  return loaded;
}

/**
 * zod's `z`, loaded at the first property read.
 *
 * @example
 * const Port = lazySchema(() => zod.number().int().positive());
 */
export const zod: ZodNamespace = new Proxy({} as ZodNamespace, {
  get: (_, name) => Reflect.get(load(), name),
  has: (_, name) => Reflect.has(load(), name),
});

/**
 * A value (a zod schema, or an object of schemas) built by `build` when it is first used: any
 * property read, `in`, spread or `instanceof` builds it, and every later use goes to the built
 * value.
 *
 * @example
 * export const MetricKeySchema = lazySchema(() => zod.string().min(1).max(255));
 * MetricKeySchema.parse('loss'); // zod loads and the schema is built here
 */
export function lazySchema<T extends object>(build: () => T): T {
  let value: T | undefined;
  const real = (): T => {
    value ??= build();
    return value;
  };
  return new Proxy({} as T, {
    get: (_, name) => {
      const target = real();
      return Reflect.get(target, name, target);
    },
    set: (_, name, next) => Reflect.set(real(), name, next),
    has: (_, name) => Reflect.has(real(), name),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, name) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), name);
      // The proxy's own target is empty: a descriptor it reports must be configurable.
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}
