#!/usr/bin/env node
/**
 * Compiles the `robustlab` command and its job workers to plain JavaScript (#12):
 *   out/cli/index.js            the CLI (bin/robustlab.mjs loads it)
 *   out/cli/worker.js           a job worker, forked by the CLI and the web server
 *   out/cli/parallel-worker.js  a thread of the engine's data-parallel executor
 *   out/cli/remote-child.js     the job process of `robustlab worker`
 * One file each (esbuild, no code splitting), so a bundle finds its siblings next to itself; every
 * npm package stays external and loads from node_modules. Run by `npm run build` and on
 * `npm install` (postinstall). Transpiling ~340 TypeScript files with tsx at every start cost
 * about 2.5 s per command; the bundle loads in a fraction of that.
 * esbuild is already installed (electron-vite/vite use it); it is imported lazily so that a plain
 * `npm install --omit=dev` without it still succeeds and the command falls back to tsx.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'out/cli');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('robustlab: esbuild is not installed; the robustlab command will run from the TypeScript sources (slower start).\n');
  process.exit(0);
}

const entries = {
  index: 'src/cli/index.ts',
  worker: 'src/core/jobs/worker-entry.ts',
  'parallel-worker': 'src/core/engine/parallel-worker.ts',
  // The child process of `robustlab worker` (src/core/remote/worker.ts looks for it next to itself).
  'remote-child': 'src/core/remote/child.ts',
};
for (const [name, file] of Object.entries(entries)) if (!existsSync(path.join(root, file))) delete entries[name];
const started = Date.now();
mkdirSync(outDir, { recursive: true });
await Promise.all(
  Object.entries(entries).map(([name, file]) =>
    esbuild.build({
      entryPoints: [path.join(root, file)],
      outfile: path.join(outDir, `${name}.js`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      minifyWhitespace: true,
      minifySyntax: true,
      logLevel: 'warning',
    }),
  ),
);
// bin/robustlab.mjs compares the sources' times with this stamp and uses tsx when they are newer.
writeFileSync(path.join(outDir, 'built.json'), JSON.stringify({ builtAt: started }) + '\n');
process.stdout.write(`robustlab: compiled the CLI and workers to out/cli in ${Date.now() - started} ms\n`);
