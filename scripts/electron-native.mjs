#!/usr/bin/env node
/**
 * Build better-sqlite3 for the installed Electron's ABI, into
 *   build/native/electron-<version>/better_sqlite3.node
 * without touching node_modules/better-sqlite3/build (the tests and the CLI use that Node build).
 * Electron main finds the result and hands it to the store through ROBUSTLAB_SQLITE_BINDING.
 *
 * It copies the better-sqlite3 package to a temporary folder and runs `node-gyp rebuild` there
 * against Electron's headers, which node-gyp downloads once (into ~/.electron-gyp) unless given.
 *
 *   node scripts/electron-native.mjs [--force] [--nodedir DIR] [--out FILE]
 *     --force        rebuild even if the output exists
 *     --nodedir DIR  use Electron headers already extracted in DIR (no download)
 *     --out FILE     write the binary here instead of the default place
 * Environment: ROBUSTLAB_SKIP_NATIVE=1 skips everything (exit 0).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const DIST_URL = process.env.ROBUSTLAB_ELECTRON_DIST_URL || 'https://electronjs.org/headers';

class UserError extends Error {}

function say(msg) {
  console.log(`[electron-native] ${msg}`);
}

function fail(msg, code = 1) {
  console.error(`[electron-native] ${msg}`);
  process.exit(code);
}

function parseArgs(argv) {
  const out = { force: false, nodedir: undefined, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (name) => {
      if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
      const v = argv[++i];
      if (!v) fail(`${name} needs a value.`);
      return v;
    };
    if (a === '--force') out.force = true;
    else if (a === '--nodedir' || a.startsWith('--nodedir=')) out.nodedir = path.resolve(value('--nodedir'));
    else if (a === '--out' || a.startsWith('--out=')) out.out = path.resolve(value('--out'));
    else if (a === '--help' || a === '-h') {
      console.log('node scripts/electron-native.mjs [--force] [--nodedir DIR] [--out FILE]');
      process.exit(0);
    } else fail(`Unknown option ${a}.`);
  }
  return out;
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    /* not a project dependency */
  }
  const nodeDir = path.dirname(process.execPath);
  candidates.push(
    path.join(nodeDir, '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(nodeDir, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  );
  return candidates.find((p) => existsSync(p));
}

async function reachable(url) {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function main() {
  if (process.env.ROBUSTLAB_SKIP_NATIVE === '1') {
    say('ROBUSTLAB_SKIP_NATIVE=1: skipped.');
    return;
  }
  const args = parseArgs(process.argv.slice(2));

  let electronVersion;
  try {
    electronVersion = require('electron/package.json').version;
  } catch {
    fail('Electron is not installed (node_modules/electron is missing); run npm install first.');
  }
  const pkgDir = path.dirname(require.resolve('better-sqlite3/package.json'));
  const bsqlVersion = require('better-sqlite3/package.json').version;
  const outFile =
    args.out ?? path.join(ROOT, 'build', 'native', `electron-${electronVersion}`, 'better_sqlite3.node');

  if (existsSync(outFile) && !args.force) {
    say(`better-sqlite3 for Electron ${electronVersion} is already built: ${path.relative(ROOT, outFile)}`);
    return;
  }

  const nodeGyp = findNodeGyp();
  if (!nodeGyp) {
    fail('node-gyp was not found (it ships with npm). Install npm, or run with npm_config_node_gyp=/path/to/node-gyp.js.');
  }

  const devdir = process.env.ROBUSTLAB_ELECTRON_GYP_DIR || path.join(os.homedir(), '.electron-gyp');
  const headersCached = existsSync(path.join(devdir, electronVersion, 'include', 'node', 'common.gypi'));
  if (args.nodedir) {
    if (!existsSync(path.join(args.nodedir, 'include', 'node'))) {
      fail(`--nodedir ${args.nodedir} does not hold Electron headers (no include/node folder in it).`);
    }
  } else if (!headersCached) {
    const probe = `${DIST_URL}/v${electronVersion}/SHASUMS256.txt`;
    if (!(await reachable(probe))) {
      fail(
        `Cannot reach ${DIST_URL} to download the headers of Electron ${electronVersion}, so better-sqlite3 ` +
          'cannot be built for Electron here (this machine looks offline). Run this script once on a machine ' +
          'with network access, or pass --nodedir DIR with Electron headers extracted in DIR. ' +
          'Until then the desktop app cannot open a lab; the CLI, web mode and tests are not affected.',
        2,
      );
    }
  }

  say(`building better-sqlite3 ${bsqlVersion} for Electron ${electronVersion} (${process.platform}-${process.arch})...`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'robustlab-native-'));
  const work = path.join(tmp, 'better-sqlite3');
  try {
    cpSync(pkgDir, work, {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const rel = path.relative(pkgDir, src);
        const top = rel.split(path.sep)[0];
        return top !== 'build' && top !== 'node_modules';
      },
    });

    // npm passes its own config (e.g. nodedir=/usr for the Node build) through npm_config_*;
    // none of that may leak into an Electron build.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^npm_config_(nodedir|target|runtime|disturl|dist_url|arch|devdir)$/i.test(k)),
    );
    env.npm_config_runtime = 'electron';
    const gypArgs = [
      nodeGyp,
      'rebuild',
      '--release',
      `--target=${electronVersion}`,
      `--arch=${process.arch}`,
      `--jobs=${Math.max(1, os.availableParallelism?.() ?? os.cpus().length)}`,
    ];
    if (args.nodedir) gypArgs.push(`--nodedir=${args.nodedir}`);
    else gypArgs.push(`--dist-url=${DIST_URL}`, `--devdir=${devdir}`);

    const result = spawnSync(process.execPath, gypArgs, { cwd: work, env, stdio: 'inherit' });
    if (result.error) throw new UserError(`node-gyp could not run: ${result.error.message}`);
    if (result.status !== 0) throw new UserError(`node-gyp failed (exit ${result.status}); see its output above.`);

    const built = path.join(work, 'build', 'Release', 'better_sqlite3.node');
    if (!existsSync(built)) throw new UserError(`node-gyp finished but ${built} is missing.`);
    mkdirSync(path.dirname(outFile), { recursive: true });
    const partial = `${outFile}.${process.pid}.part`;
    copyFileSync(built, partial);
    renameSync(partial, outFile);
    say(`done: ${path.relative(ROOT, outFile) || outFile}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => fail(err instanceof UserError ? err.message : (err?.stack ?? String(err))));
