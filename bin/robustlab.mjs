#!/usr/bin/env node
// The `robustlab` command. It runs the compiled JavaScript in out/cli (scripts/build-cli.mjs, run
// by `npm install` and `npm run build`) when that is at least as new as every source file, and
// otherwise the TypeScript sources through tsx, so it works right after `npm install` and never
// runs stale code while someone edits src/. ROBUSTLAB_FROM_SOURCE=1 forces the sources, =0 the
// compiled files (when they exist; the bench uses it).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The build time in out/cli/built.json, if every file under src/ is older than it. */
function freshBuild() {
  if (process.env.ROBUSTLAB_FROM_SOURCE === '1') return false;
  let builtAt;
  try {
    builtAt = JSON.parse(readFileSync(path.join(root, 'out/cli/built.json'), 'utf8')).builtAt;
  } catch {
    return false;
  }
  if (process.env.ROBUSTLAB_FROM_SOURCE === '0') return true;
  // About 340 stat calls: a few milliseconds.
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!walk(p)) return false;
      } else if (statSync(p).mtimeMs > builtAt) return false;
    }
    return true;
  };
  return walk(path.join(root, 'src'));
}

let entry;
if (freshBuild()) {
  entry = pathToFileURL(path.join(root, 'out/cli/index.js')).href;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = '../src/cli/index.ts';
}
const { main } = await import(entry);
const code = await main(process.argv.slice(2));
// Let stdout drain before leaving.
process.stdout.write('', () => process.exit(code));
