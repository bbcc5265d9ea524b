/**
 * Shared pieces of the web-mode end-to-end specs: a `robustlab web` server on a fresh lab folder
 * for each spec file, and full-page screenshots a person can look at.
 */
import { test, type Locator, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHOTS = path.join(ROOT, 'test-results');

/** Starts `robustlab web --port 0 --json` on a new lab folder and resolves with the printed URL. */
function startServer(labDir: string, log: { text: string }): { child: ChildProcess; url: Promise<string> } {
  // Web mode reads server-side files only from the lab folder and allowed folders (#15): the specs
  // import Debian's Fashion-MNIST from /usr/share/datasets where it is installed.
  const allow = fs.existsSync('/usr/share/datasets') ? ['--allow-dir', '/usr/share/datasets'] : [];
  const child = spawn(process.execPath, ['bin/robustlab.mjs', 'web', '--lab', labDir, '--port', '0', '--json', ...allow], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`robustlab web printed no URL within 90 s.\n${log.text}`)), 90_000);
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      log.text += d;
    });
    child.stdout!.on('data', (d: string) => {
      log.text += d;
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        try {
          const info = JSON.parse(line) as { url?: string };
          if (info.url) {
            clearTimeout(timer);
            resolve(info.url);
            return;
          }
        } catch {
          /* not the line we wait for */
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`robustlab web exited with code ${code} before printing its URL.\n${log.text}`));
    });
  });
  return { child, url };
}

/**
 * Registers beforeAll/afterAll hooks that run a web-mode lab for the spec file (or use
 * ROBUSTLAB_E2E_URL when set) and returns accessors for its URL.
 */
export function useWebLab(prefix: string): { url: () => string } {
  let server: ChildProcess | null = null;
  let labDir: string | null = null;
  let baseUrl = '';
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    fs.mkdirSync(SHOTS, { recursive: true });
    if (process.env.ROBUSTLAB_E2E_URL) {
      baseUrl = process.env.ROBUSTLAB_E2E_URL;
      return;
    }
    labDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const started = startServer(labDir, { text: '' });
    server = started.child;
    baseUrl = await started.url;
  });
  test.afterAll(async () => {
    if (server && server.exitCode === null) {
      const child = server;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    if (labDir) fs.rmSync(labDir, { recursive: true, force: true });
  });
  return { url: () => baseUrl };
}

/**
 * A screenshot of the whole page taken with a viewport as tall as the page, so the fixed bars sit
 * where they belong; or of one element.
 */
export async function shot(page: Page, name: string, element?: Locator): Promise<void> {
  const size = page.viewportSize() ?? { width: 1360, height: 900 };
  // Grow the viewport to the page's height (twice: charts re-measure after a resize).
  for (let i = 0; i < 2; i++) {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: size.width, height: Math.max(size.height, Math.min(height, 7000)) });
    await page.waitForTimeout(150);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.mouse.move(0, 0);
  await page.waitForTimeout(400); // let tooltips fade out
  if (element) await element.screenshot({ path: path.join(SHOTS, name) });
  else await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
  await page.setViewportSize(size);
}
