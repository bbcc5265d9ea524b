/**
 * Experiment history and run comparison in web mode, end to end: two tiny training runs with
 * different methods (erm and fgsm-rs, each with the per-epoch PGD check) and a PGD evaluation with
 * an eps grid of each model; then, as a person would: tag one run on the Runs page, search with
 * a query (and see a bad query's sentence), select both, compare, toggle "differences only", see
 * the clean-vs-robust scatter and the overlaid curves, export CSV and HTML, save the view and
 * reopen it after a reload. Last, 3,000 runs imported from an archive, and the frame times of
 * scrolling the table measured with Chromium's performance API.
 *
 * Needs `npx electron-vite build` first. Writes screenshots to test-results/web-history-*.png.
 */
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { shot, SHOTS, useWebLab } from './support';

const lab = useWebLab('robustlab-e2e-history-');

async function call<T>(request: APIRequestContext, method: string, body: unknown): Promise<T> {
  const u = new URL(lab.url());
  const res = await request.post(`${u.origin}/api/${method}`, { headers: { 'x-robustlab-token': u.searchParams.get('token') ?? '' }, data: body as object });
  const env = (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
  if (!env.ok) throw new Error(`${method}: ${env.error?.message}`);
  return env.result;
}

async function waitRun(request: APIRequestContext, runId: string): Promise<{ run: { status: string; modelId: string | null; error: string | null } }> {
  for (let i = 0; i < 240; i++) {
    const d = await call<{ run: { status: string; modelId: string | null; error: string | null } }>(request, 'getRun', { runId });
    if (!['queued', 'running'].includes(d.run.status)) return d;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`run ${runId} did not finish`);
}

function trainSpec(name: string, method: string) {
  return {
    kind: 'train',
    name,
    dataset: 'mnist-digits',
    arch: 'mlp',
    method,
    epochs: 3,
    batchSize: 50,
    optimizer: { name: 'adam', lr: 0.003 },
    seed: 1,
    limit: 400,
    testLimit: 200,
    monitor: { count: 100, pgdSteps: 5, eps: 0.1 },
  };
}

/** A run archive with `n` synthetic finished runs (the lab's own format, see src/core/history/archive.ts). */
function syntheticArchive(n: number): string {
  const methods = ['erm', 'trades', 'pgd-at', 'mart'];
  const runs = Array.from({ length: n }, (_, i) => {
    const id = `r_synthetic${String(i).padStart(6, '0')}`;
    const method = methods[i % methods.length];
    const created = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    return {
      row: { id, kind: 'train', name: `synthetic ${i}`, status: 'finished', spec: JSON.stringify({ kind: 'train', method }), dataset_id: null, model_id: null, group_id: null, created_at: created, started_at: created, ended_at: created, error: null, backend: 'wasm', device: 'synthetic', note: '', starred: 0, archived_at: null },
      params: { method, arch: 'mlp', 'optimizer.lr': String(0.001 * (1 + (i % 7))) },
      metrics: [
        ['test/accuracy', 1, 0.5 + ((i * 37) % 50) / 100, 0],
        ['test/pgd_accuracy', 1, ((i * 17) % 40) / 100, 0],
      ],
      tags: i % 10 === 0 ? ['synthetic-10'] : [],
    };
  });
  const payload = JSON.stringify({ createdAt: new Date().toISOString(), runs, models: [], evaluations: [], datasets: [] });
  const sha256 = crypto.createHash('sha256').update(payload).digest('hex');
  return zlib.gzipSync(JSON.stringify({ format: 'robustlab-runs', version: 1, sha256, payload })).toString('base64');
}

async function setQuery(page: Page, q: string): Promise<void> {
  const box = page.getByTestId('runs-query');
  await box.fill(q);
  await box.press('Enter');
}

test('web: history, search, compare, export, saved view, scrolling 3,000 runs', async ({ page, request }) => {
  test.setTimeout(170_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.setViewportSize({ width: 1360, height: 900 });
  await page.goto(lab.url());
  await expect(page.getByTestId('status-backend')).toHaveText(/^Backend: (?!loading|unknown)\S+ — .+/, { timeout: 30_000 });

  // Two tiny training runs with different methods, and a PGD eps-grid evaluation of each model.
  const a = await call<{ id: string }>(request, 'submitTrain', trainSpec('history erm', 'erm'));
  const b = await call<{ id: string }>(request, 'submitTrain', trainSpec('history fgsm', 'fgsm-rs'));
  const da = await waitRun(request, a.id);
  const db = await waitRun(request, b.id);
  expect(da.run.status, da.run.error ?? '').toBe('finished');
  expect(db.run.status, db.run.error ?? '').toBe('finished');
  const evalIds: string[] = [];
  for (const d of [da, db]) {
    const ev = await call<{ id: string }>(request, 'submitEval', { kind: 'eval', model: d.run.modelId, dataset: 'mnist-digits', attack: { name: 'pgd', params: { eps: 0.1, steps: 5 } }, limit: 100, epsGrid: [0.05, 0.1, 0.2] });
    await waitRun(request, ev.id);
    evalIds.push(ev.id);
  }

  // Runs page: the four runs, newest first.
  await page.getByTestId('nav-runs').click();
  await expect(page.getByRole('heading', { name: 'Runs', level: 1 })).toBeVisible();
  await expect(page.getByTestId('runs-count')).toContainText('4 runs');
  await expect(page.getByTestId(`run-row-${a.id}`)).toBeVisible();
  await shot(page, 'web-history-runs.png');

  // Tag the erm run "baseline" from the selection bar.
  await page.getByTestId(`select-${a.id}`).check();
  await page.getByTestId('tag-selected').click();
  await page.getByTestId('tag-input').fill('baseline');
  await page.getByTestId('tag-add').click();
  await expect(page.getByTestId(`run-row-${a.id}`)).toContainText('baseline');
  // Export it as an archive with the datasets' image arrays (a download in web mode).
  await page.getByTestId('export-archive').click();
  const [archive] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-archive-data').click()]);
  const exported = JSON.parse(JSON.parse(zlib.gunzipSync(fs.readFileSync((await archive.path())!)).toString('utf8')).payload);
  expect(exported.runs.map((r: { row: { id: string } }) => r.row.id)).toEqual([a.id]);
  expect(Object.keys(exported.datasets[0].files ?? {}).some((k) => k.endsWith('-images.npy'))).toBe(true);
  await page.getByTestId(`select-${a.id}`).uncheck();

  // Search: a bad query says where and what; a good one filters.
  await page.getByTestId('runs-query').fill('method = ');
  await expect(page.getByText(/Query error at position 10: expected a value/)).toBeVisible();
  await shot(page, 'web-history-bad-query.png');
  await setQuery(page, 'tag:baseline or method = "fgsm-rs"');
  await expect(page.getByTestId('runs-count')).toContainText('2 runs');
  await expect(page.getByTestId(`run-row-${a.id}`)).toBeVisible();
  await expect(page.getByTestId(`run-row-${b.id}`)).toBeVisible();
  await setQuery(page, 'tag:baseline');
  await expect(page.getByTestId('runs-count')).toContainText('1 run');
  await shot(page, 'web-history-search.png');
  expect(page.url()).toContain('q=tag%3Abaseline');

  // Select both training runs and compare.
  await setQuery(page, 'kind = train');
  await expect(page.getByTestId('runs-count')).toContainText('2 runs');
  await page.getByTestId(`select-${a.id}`).check();
  await page.getByTestId(`select-${b.id}`).check();
  await page.getByTestId('compare-selected').click();
  await expect(page.getByRole('heading', { name: 'Compare 2 runs', level: 1 })).toBeVisible();
  await expect(page.getByTestId('compare-curves').locator('.recharts-line')).toHaveCount(2);
  await expect(page.getByTestId('compare-scatter').locator('.recharts-scatter-symbol')).toHaveCount(2, { timeout: 10_000 });
  await expect(page.getByTestId('compare-scatter')).toContainText('Pareto front');
  await expect(page.getByTestId('compare-eps').locator('.recharts-line')).toHaveCount(2);
  await shot(page, 'web-history-compare.png');

  // Differences only: the method differs, the architecture does not.
  const table = page.getByTestId('params-table');
  await expect(table.getByRole('row', { name: /^arch/ })).toBeVisible();
  await page.getByTestId('differences-only').click();
  await expect(table.getByRole('row', { name: /^arch/ })).toHaveCount(0);
  await expect(table.getByRole('row', { name: /^method "/ })).toBeVisible();
  expect(await table.locator('tr[data-differs="false"]').count()).toBe(0);
  expect(page.url()).toContain('diff=1');
  await shot(page, 'web-history-differences.png', page.getByTestId('params-diff'));

  // Export CSV and HTML.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csvText = fs.readFileSync((await csv.path())!, 'utf8');
  expect(csvText.split('\n')[0]).toBe('section,run_id,run_name,key,x,value');
  expect(csvText).toContain(`param,${b.id},history fgsm,method,differs,fgsm-rs`);
  expect(csvText).toMatch(/scatter,.*,pareto_front,,1/);
  const [html] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-html').click()]);
  const htmlText = fs.readFileSync((await html.path())!, 'utf8');
  expect(htmlText).toContain('<svg');
  expect(htmlText).toContain('Pareto front');
  expect(htmlText).not.toMatch(/<script|https?:\/\//);

  // Save the view, go elsewhere, reload, reopen it: the same runs, with differences only.
  await page.getByTestId('views-save').click();
  await page.getByTestId('views-name').fill('erm vs fgsm');
  await page.getByTestId('views-save-confirm').click();
  await expect(page.getByText('View saved')).toBeVisible();
  await page.getByTestId('nav-datasets').click();
  await page.reload();
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('views-open').click();
  await page.getByRole('option', { name: 'erm vs fgsm (compare)' }).click();
  await expect(page.getByRole('heading', { name: 'Compare 2 runs', level: 1 })).toBeVisible();
  await expect(page.getByTestId('differences-only')).toBeChecked();
  await expect(page.getByTestId('params-table').getByRole('row', { name: /^arch/ })).toHaveCount(0);
  await shot(page, 'web-history-saved-view.png');

  // A run's page: its lineage, and Clone opens the Train form filled in from its spec.
  await page.evaluate((id) => (window.location.hash = `#/runs/${id}`), b.id);
  await expect(page.getByTestId('run-title')).toHaveText('history fgsm');
  await expect(page.getByTestId('run-lineage')).toContainText('mnist-digits');
  await expect(page.getByTestId('run-lineage')).toContainText('eval: pgd');
  await shot(page, 'web-history-lineage.png', page.getByTestId('run-lineage'));
  // A Markdown note is shown formatted (and no HTML in it is run), before and after saving.
  await page.getByTestId('run-note').fill('**Baseline** for the FGSM study.\n\n- lr 0.1\n- [x] checked\n\n<img src=x onerror="window.__noteXss=1">');
  const rendered = page.getByTestId('run-note-rendered');
  await expect(rendered.locator('strong')).toHaveText('Baseline');
  await expect(rendered.locator('li')).toHaveCount(2);
  await expect(rendered.locator('img')).toHaveCount(0);
  await page.getByTestId('save-run-notes').click();
  await expect(page.getByText('The note as shown')).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __noteXss?: number }).__noteXss)).toBeUndefined();
  await shot(page, 'web-history-note.png');
  await page.getByTestId('clone-run').click();
  await expect(page.getByRole('heading', { name: 'Train', level: 1 })).toBeVisible();
  await expect(page.getByLabel('Training method', { exact: true })).toHaveValue('fgsm-rs');
  await expect(page.getByLabel('Run name (optional)', { exact: true })).toHaveValue('history fgsm (copy)');
  await expect(page.getByLabel('Epochs', { exact: true })).toHaveValue('3');

  // Clone on an evaluation's page copies the whole evaluation: attack, its settings, grid, images.
  await page.evaluate((id) => (window.location.hash = `#/runs/${id}`), evalIds[1]);
  await page.getByTestId('clone-run').click();
  await expect(page.getByRole('heading', { name: 'Evaluate', level: 1 })).toBeVisible();
  await expect(page.getByTestId('eval-attack')).toHaveValue('pgd');
  await expect(page.getByTestId('param-steps')).toHaveValue('5');
  await expect(page.getByTestId('param-eps')).toHaveValue('0.1');
  await expect(page.getByTestId('eval-grid')).toHaveValue('0.05, 0.1, 0.2');
  await expect(page.getByTestId('eval-model')).toHaveValue(db.run.modelId!);
  await page.getByTestId('eval-more').click();
  await expect(page.getByLabel('Run name (optional)', { exact: true })).toHaveValue(/\(copy\)$/);
  await shot(page, 'web-history-eval-clone.png');

  // 3,000 more runs from an archive; the table stays smooth while scrolling.
  const imported = await call<{ imported: string[] }>(request, 'importRuns', { base64: syntheticArchive(3000) });
  expect(imported.imported).toHaveLength(3000);
  await page.getByTestId('nav-runs').click();
  await setQuery(page, '');
  await expect(page.getByTestId('runs-count')).toContainText('3004 runs', { timeout: 15_000 });
  // 90 animation frames, 120 px each (a fast wheel scroll), timing every frame.
  const frames = await page.evaluate(async () => {
    const el = document.querySelector('[data-testid="runs-scroll"]') as HTMLElement;
    const times: number[] = [];
    let last = performance.now();
    await new Promise<void>((resolve) => {
      const step = (t: number) => {
        times.push(t - last);
        last = t;
        if (times.length > 90) return resolve();
        el.scrollTop += 120;
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
    times.shift(); // the wait for the first frame
    const sorted = [...times].sort((x, y) => x - y);
    return { frames: times.length, median: sorted[Math.floor(sorted.length / 2)], p95: sorted[Math.floor(sorted.length * 0.95)], scrolled: el.scrollTop };
  });
  console.log(`runs table scroll over 3,004 runs: ${frames.frames} frames, median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, scrolled ${frames.scrolled}px`);
  expect(frames.scrolled).toBeGreaterThan(10_000);
  // Measured and recorded, not asserted: speed targets belong to the bench, not to pass/fail tests
  // (this headless Chromium renders without a GPU on 2 shared cores).
  fs.writeFileSync(`${SHOTS}/web-history-scroll-frames.json`, JSON.stringify({ runs: 3004, pxPerFrame: 120, ...frames }));
  await expect(page.locator('[data-testid^="run-row-r_synthetic"]').first()).toBeVisible();
  await shot(page, 'web-history-scrolled.png');
  expect(pageErrors).toEqual([]);
});
