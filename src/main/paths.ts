/**
 * Where the built pieces of the app live, and the environment the lab's core reads.
 * Runs in: Electron main.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** out/main, where this file is bundled to (index.js, worker.js). */
const MAIN_DIR = path.dirname(fileURLToPath(import.meta.url));

export const paths = {
  mainDir: MAIN_DIR,
  /** The job worker entry, bundled from src/core/jobs/worker-entry.ts. */
  worker: path.join(MAIN_DIR, 'worker.js'),
  /** The sandboxed preload (CommonJS: sandboxed preloads cannot be ES modules). */
  preload: path.join(MAIN_DIR, '..', 'preload', 'index.cjs'),
  /** The built renderer. */
  renderer: path.join(MAIN_DIR, '..', 'renderer'),
  /** The project root in development (out/main/../..). */
  projectRoot: path.resolve(MAIN_DIR, '..', '..'),
};

/**
 * better-sqlite3 built for this Electron's ABI (scripts/electron-native.mjs writes it), as a
 * list of places to look: inside a packaged app first, then the project's build folder.
 */
export function sqliteBindingCandidates(electronVersion: string, resourcesPath: string | undefined): string[] {
  const dirName = `electron-${electronVersion}`;
  const out: string[] = [];
  if (resourcesPath) {
    out.push(path.join(resourcesPath, 'native', dirName, 'better_sqlite3.node'));
    out.push(path.join(resourcesPath, 'native', 'better_sqlite3.node'));
  }
  out.push(path.join(paths.projectRoot, 'build', 'native', dirName, 'better_sqlite3.node'));
  return out;
}

/**
 * Set the environment variables the core reads, unless the person set them already:
 * ROBUSTLAB_SQLITE_BINDING (better-sqlite3 for Electron's ABI) and ROBUSTLAB_WASM_DIR (the tfjs
 * wasm binaries). Returns the binding path in use, or null when none was found.
 */
export function setupNativeEnv(electronVersion: string, resourcesPath: string | undefined): string | null {
  if (!process.env.ROBUSTLAB_SQLITE_BINDING) {
    const found = sqliteBindingCandidates(electronVersion, resourcesPath).find((p) => existsSync(p));
    if (found) process.env.ROBUSTLAB_SQLITE_BINDING = found;
  }
  if (!process.env.ROBUSTLAB_WASM_DIR) {
    try {
      const require = createRequire(import.meta.url);
      const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
      const dir = path.join(path.dirname(pkg), 'dist');
      if (existsSync(dir)) process.env.ROBUSTLAB_WASM_DIR = dir;
    } catch {
      // No wasm backend installed: the engine falls back and says why.
    }
  }
  return process.env.ROBUSTLAB_SQLITE_BINDING ?? null;
}
