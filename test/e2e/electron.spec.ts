/**
 * The built desktop app (out/), launched through Playwright's Electron support with a fresh lab
 * folder: the window opens, the preload exposes exactly the `lab` API, calls reach the lab over
 * IPC, and the status bar shows the compute backend.
 *
 * Electron's binary is downloaded on first run (electron >= 42); where it is missing (this
 * offline machine), the test skips and says so. On Linux without a display run it under
 * `xvfb-run -a npx playwright test --project electron`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, expect, test } from '@playwright/test';
import { API_METHODS } from '../../src/shared/api';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN_JS = path.join(ROOT, 'out', 'main', 'index.js');
const SKIP_REASON =
  'Electron binary is not installed on this machine (it is downloaded on first run and there is no network here); run this test where it is installed.';

/**
 * The Electron executable, found the way the `electron` package finds it, but without calling
 * `require('electron')`: that starts a download when the binary is missing.
 */
function electronBinary(): string | null {
  if (process.env.ELECTRON_EXEC_PATH) {
    return existsSync(process.env.ELECTRON_EXEC_PATH) ? process.env.ELECTRON_EXEC_PATH : null;
  }
  let pkgDir: string;
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
    return existsSync(p) ? p : null;
  }
  if (!rel) return null;
  const p = path.join(pkgDir, 'dist', rel);
  return existsSync(p) ? p : null;
}

test('the desktop app opens a lab, exposes the lab API and shows the backend', async ({}, testInfo) => {
  const executablePath = electronBinary();
  test.skip(!executablePath, SKIP_REASON);
  expect(existsSync(MAIN_JS), 'out/main/index.js is missing: run `npm run build` first').toBe(true);
  const electronVersion = (
    JSON.parse(readFileSync(createRequire(import.meta.url).resolve('electron/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const binding =
    process.env.ROBUSTLAB_SQLITE_BINDING ||
    path.join(ROOT, 'build', 'native', `electron-${electronVersion}`, 'better_sqlite3.node');
  expect(
    existsSync(binding),
    `better-sqlite3 is not built for Electron ${electronVersion} (${binding}): run \`node scripts/electron-native.mjs\` first`,
  ).toBe(true);

  const labDir = mkdtempSync(path.join(os.tmpdir(), 'robustlab-e2e-electron-'));
  const app = await _electron.launch({
    executablePath: executablePath!,
    args: [MAIN_JS, '--lab', labDir],
    cwd: ROOT,
    env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
    timeout: 120_000,
  });
  try {
    const page = await app.firstWindow({ timeout: 120_000 });
    page.on('console', (msg) => {
      if (msg.type() === 'error') console.log(`[renderer] ${msg.text()}`);
    });
    await page.waitForLoadState('domcontentloaded');
    await expect(page).toHaveTitle(/Robustness Lab/);

    // The window is locked down: no Node in the page (sandbox + context isolation), no pop-ups.
    const globals = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      module: typeof (globalThis as { module?: unknown }).module,
    }));
    expect(globals).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined' });
    expect(await page.evaluate(() => location.href)).toMatch(/^app:\/\/lab\//);
    expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);

    // The preload exposes one function per API call, events and the file picker: nothing else.
    const keys = await page.evaluate(() => Object.keys((window as unknown as { lab: object }).lab).sort());
    expect(keys).toEqual([...API_METHODS, 'onEvent', 'pickFiles'].sort());

    // A call goes through IPC to the lab in the folder given with --lab.
    const status = await page.evaluate(() =>
      (window as unknown as { lab: { status(i: object): Promise<unknown> } }).lab.status({}),
    );
    expect(status).toMatchObject({ ok: true, result: { mode: 'electron', labDir } });
    const bad = (await page.evaluate(() =>
      (window as unknown as { lab: { getRun(i: object): Promise<unknown> } }).lab.getRun({}),
    )) as { ok: boolean; error: { code: string; message: string } };
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('bad_input');
    expect(bad.error.message).toContain('runId');
    expect(readdirSync(labDir).length).toBeGreaterThan(0);

    // The status bar names the compute backend.
    const backend = page
      .getByTestId('status-backend')
      .or(page.getByText(/Backend: (tensorflow|wasm|cpu)\b/))
      .first();
    await expect(backend).toBeVisible({ timeout: 60_000 });

    const shot = testInfo.outputPath('electron-window.png');
    await page.screenshot({ path: shot, fullPage: true });
    await testInfo.attach('electron-window', { path: shot, contentType: 'image/png' });
  } finally {
    await app.close().catch(() => undefined);
    rmSync(labDir, { recursive: true, force: true });
  }
});
