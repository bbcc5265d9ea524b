import { chromium } from '@playwright/test';
import fs from 'node:fs';
const info = JSON.parse(fs.readFileSync('/tmp/lat-server.log','utf8').split('\n')[0]);
const base = `http://127.0.0.1:${info.port}/api/`;
async function call(m, body) {
  const r = await fetch(base + m, { method: 'POST', headers: { 'content-type': 'application/json', 'x-robustlab-token': info.token }, body: JSON.stringify(body) });
  const j = await r.json(); if (!j.ok) throw new Error(j.error.message); return j.result;
}
const run = await call('submitCorrupt', { kind: 'corrupt', dataset: 'mnist-digits', name: 'scratch-' + Date.now(), splits: ['test'], recipe: { steps: [{ corruption: 'mnistc/shear', severity: 4, params: {} }, { corruption: 'labels/pair_flip', severity: 2, params: {}, splits: ['test'] }], seed: 3 } });
for (;;) { const d = await call('getRun', { runId: run.id }); if (['finished','failed'].includes(d.run.status)) { console.log(d.run.status, d.run.error); break; } await new Promise(r => setTimeout(r, 300)); }
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1360, height: 1400 } });
page.on('pageerror', e => console.log('PAGEERROR', e.message));
await page.goto(info.url);
await page.goto(info.url + '#/runs/' + run.id);
await page.waitForTimeout(2000);
await page.screenshot({ path: '/tmp/shots/corrupt-run.png', fullPage: true });
await page.goto(info.url + '#/runs');
await page.waitForTimeout(1500);
await page.screenshot({ path: '/tmp/shots/runs.png' });
// keyboard walk in the studio
await page.goto(info.url + '#/corruptions');
await page.waitForTimeout(1500);
const seq = [];
await page.getByTestId('studio-dataset').focus();
for (let i = 0; i < 22; i++) { await page.keyboard.press('Tab'); seq.push(await page.evaluate(() => { const e = document.activeElement; return (e.getAttribute('aria-label') || e.getAttribute('role') || '') + '|' + e.tagName + '|' + (e.textContent || '').slice(0, 30); })); }
console.log(seq.join('\n'));
await browser.close();
