/**
 * Loads a CommonJS package at its first use instead of at start (#12): the packages only some
 * calls need (tfjs, sharp, bullmq, ml-matrix) stay out of commands that only read the store.
 * Why by hand: ES imports are static, and an `await import()` would make every caller async.
 *
 * Runs in: Node (the ESM sources, the esbuild bundles, Electron's CJS main bundle).
 */
import { createRequire } from 'node:module';

/** A `require` for this module's folder, or null where none exists. */
export function requireHere(): NodeRequire | null {
  try {
    return createRequire(import.meta.url);
  } catch {
    return typeof require === 'function' ? require : null;
  }
}

/** `load()` requires `name` the first time and returns the same module after. */
export function lazyModule<T>(name: string): () => T {
  let mod: T | undefined;
  return () => {
    if (mod === undefined) {
      const req = requireHere();
      if (!req) throw new Error(`${name} cannot be loaded: no module loader is available here.`);
      mod = req(name) as T;
    }
    return mod;
  };
}
