/**
 * The corruption studio in web mode, end to end: `robustlab web` on a fresh lab folder, then a
 * first-time user's journey: open Corruptions, add Gaussian noise at severity 3 and watch the
 * preview change (canvas pixels before vs after), add label noise, reorder the steps with the
 * keyboard, look at the per-class view, save the recipe as a new dataset, follow the job to the
 * end and find the dataset (with its parent and recipe) on the Datasets page. Then a tiny
 * corruption benchmark of two small models, one as the baseline.
 *
 * Needs `npx electron-vite build` first. Writes screenshots and the measured preview round trips
 * (test-results/corruptions-preview-latency.json).
 */
import { expect, test, type Page } from '@playwright/test';
import { shot, SHOTS, useWebLab } from './support';
import fs from 'node:fs';
import path from 'node:path';

const lab = useWebLab('robustlab-e2e-corrupt-');

/** Waits until the preview shows a result newer than `before` (its request key changed) and is idle. */
async function waitPreview(page: Page, before: string | null): Promise<string> {
  const preview = page.getByTestId('corruption-preview');
  await expect
    .poll(async () => {
      const state = await preview.getAttribute('data-state');
      const key = await preview.getAttribute('data-shown-key');
      return state === 'ready' && !!key && key !== before;
    }, { timeout: 15_000, intervals: [30, 50, 100] })
    .toBe(true);
  return (await preview.getAttribute('data-shown-key'))!;
}

async function shownKey(page: Page): Promise<string | null> {
  return page.getByTestId('corruption-preview').getAttribute('data-shown-key');
}

/** Pixels of the first preview tile: how many RGB values differ between before and after. */
async function tileDifference(page: Page): Promise<{ differing: number; total: number }> {
  return page.evaluate(() => {
    const tile = document.querySelector('[data-testid="preview-tile"]');
    const a = tile?.querySelector<HTMLCanvasElement>('[data-testid="preview-before"]');
    const b = tile?.querySelector<HTMLCanvasElement>('[data-testid="preview-after"]');
    if (!a || !b) return { differing: -1, total: 0 };
    const da = a.getContext('2d')!.getImageData(0, 0, a.width, a.height).data;
    const db = b.getContext('2d')!.getImageData(0, 0, b.width, b.height).data;
    let differing = 0;
    for (let i = 0; i < da.length; i++) if (i % 4 !== 3 && da[i] !== db[i]) differing++;
    return { differing, total: (da.length / 4) * 3 };
  });
}

/** POST to the lab's HTTP API from the page (the session cookie carries the token). */
async function api<T>(page: Page, method: string, body: unknown): Promise<T> {
  return page.evaluate(
    async ([m, b]) => {
      const res = await fetch(`api/${m}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
      const env = await res.json();
      if (!env.ok) throw new Error(env.error.message);
      return env.result;
    },
    [method, body] as const,
  ) as Promise<T>;
}

test('web: corruption studio — recipe, live preview, save as dataset, lineage, benchmark', async ({ page }) => {
  test.setTimeout(150_000);
  const t0 = Date.now();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.setViewportSize({ width: 1360, height: 900 });
  await page.goto(lab.url());
  await expect(page.getByTestId('status-backend')).toHaveText(/^Backend: (?!loading|unknown)\S+ — .+/, { timeout: 30_000 });

  // Two tiny models for the benchmark, trained in the background while the studio is used
  // (submitted after the latency measurements, so those see an idle machine).
  const trainSpec = (name: string, seed: number) => ({
    kind: 'train',
    name,
    dataset: 'mnist-digits',
    arch: 'mlp',
    epochs: 1,
    batchSize: 50,
    limit: 400,
    testLimit: 100,
    seed,
    optimizer: { name: 'sgd', lr: 0.1 },
  });

  // Open Corruptions from the navigation.
  await page.getByTestId('nav-corruptions').click();
  await expect(page.getByRole('heading', { name: 'Corruptions', level: 1 })).toBeVisible();
  let key = await waitPreview(page, null);
  await expect(page.getByTestId('preview-before')).toHaveCount(16);
  await expect(page.getByTestId('preview-after')).toHaveCount(0);

  // Add Gaussian noise from the registry picker.
  await page.getByRole('textbox', { name: 'Add a corruption' }).click();
  await page.getByRole('textbox', { name: 'Add a corruption' }).fill('Gaussian');
  await page.getByRole('option', { name: /^Gaussian noise/ }).click();
  const steps = page.getByTestId('recipe-step');
  await expect(steps).toHaveCount(1);
  // Severity 3 with the keyboard: Home (1), then two steps right.
  const sev1 = page.getByRole('slider', { name: 'Severity of step 1, Gaussian noise' });
  await sev1.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(steps.first().getByTestId('step-severity-value')).toHaveText(/^3 of 5/);
  key = await waitPreview(page, key);
  await expect(page.getByTestId('preview-after')).toHaveCount(16);
  await expect.poll(async () => (await tileDifference(page)).differing, { timeout: 5000 }).toBeGreaterThan(50);
  const diff3 = await tileDifference(page);

  // Preview latency, measured inside the page: a key press on the severity slider (3 -> 5 -> 1
  // -> 2 -> 3 -> 4 -> 3 -> 2 -> 3) until the new images are painted, plus the page's own figures.
  const timings: { keyToPaintMs: number; changeToPaintMs: number; roundTripMs: number; serverMs: number }[] = [];
  for (const k of ['End', 'Home', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowLeft', 'ArrowLeft', 'ArrowRight']) {
    await sev1.focus();
    await page.waitForTimeout(250); // a pause between changes, as a person makes them
    const keyToPaintMs = await page.evaluate(async (code) => {
      const timing = document.querySelector('[data-testid="preview-timing"]')!;
      const before = timing.getAttribute('data-key');
      const t = performance.now();
      const init = { key: code, code, bubbles: true, cancelable: true };
      document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', init));
      document.activeElement!.dispatchEvent(new KeyboardEvent('keyup', init));
      await new Promise<void>((resolve, reject) => {
        const obs = new MutationObserver(() => {
          if (timing.getAttribute('data-key') !== before) {
            obs.disconnect();
            resolve();
          }
        });
        obs.observe(timing, { attributes: true });
        setTimeout(() => reject(new Error('no new preview within 5 s')), 5000);
      });
      return performance.now() - t;
    }, k);
    key = await waitPreview(page, key);
    const el = page.getByTestId('preview-timing');
    timings.push({
      keyToPaintMs,
      changeToPaintMs: Number(await el.getAttribute('data-paint')),
      roundTripMs: Number(await el.getAttribute('data-roundtrip')),
      serverMs: Number(await el.getAttribute('data-server')),
    });
  }
  await expect(steps.first().getByTestId('step-severity-value')).toHaveText(/^3 of 5/);
  const trainA = await api<{ id: string }>(page, 'submitTrain', trainSpec('bench model', 1));
  const trainB = await api<{ id: string }>(page, 'submitTrain', { ...trainSpec('bench baseline', 2), limit: 150 });
  const diffAgain = await tileDifference(page);
  expect(diffAgain.differing).toBe(diff3.differing); // same recipe and seed, same pixels

  // A second step: symmetric label noise; the tiles show noisy vs true labels.
  await page.getByRole('textbox', { name: 'Add another step' }).click();
  await page.getByRole('textbox', { name: 'Add another step' }).fill('symmetric');
  await page.getByRole('option', { name: /^Label noise: symmetric/ }).click();
  await expect(steps).toHaveCount(2);
  const sev2 = page.getByRole('slider', { name: 'Severity of step 2, Label noise: symmetric' });
  await sev2.focus();
  await page.keyboard.press('End'); // 50 % noise
  key = await waitPreview(page, key);
  await expect(page.getByTestId('preview-stats')).toContainText(/measured noise rate \d+ %/);
  await expect(page.getByTestId('tile-noisy-label').first()).toBeVisible();

  // Reorder with the keyboard: move the label-noise step up; focus stays on the moved step.
  await page.getByRole('button', { name: 'Move step 2, Label noise: symmetric, up' }).focus();
  await page.keyboard.press('Enter');
  await expect(steps.nth(0)).toHaveAttribute('data-corruption', 'labels/symmetric');
  await expect(steps.nth(1)).toHaveAttribute('data-corruption', 'gaussian_noise');
  await expect(page.getByRole('button', { name: 'Move step 1, Label noise: symmetric, down' })).toBeFocused();
  key = await waitPreview(page, key);
  await shot(page, 'corruptions-studio.png');

  // The per-class view: one row per class.
  await page.getByText('Per class', { exact: true }).click();
  key = await waitPreview(page, key);
  await expect(page.getByRole('listitem', { name: /^Class \d$/ })).toHaveCount(10);
  await shot(page, 'corruptions-per-class.png');
  await page.getByText('16 images', { exact: true }).click();
  key = await waitPreview(page, key);

  // The same page in the dark theme.
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
  await shot(page, 'corruptions-studio-dark.png');
  await page.getByTestId('theme-toggle').click();

  // No horizontal overflow at a narrow width either.
  await page.setViewportSize({ width: 800, height: 900 });
  await page.waitForTimeout(200);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
  await page.setViewportSize({ width: 1360, height: 900 });

  // Save as a dataset (the test split only, to keep the test short).
  await page.getByTestId('save-name').fill('e2e noisy digits');
  await page.getByTestId('save-split-train').click();
  await page.getByTestId('save-dataset').click();
  const job = page.getByTestId('corrupt-job');
  await expect(job).toBeVisible();
  await expect(job).toHaveAttribute('data-status', 'finished', { timeout: 30_000 });
  await expect(job.getByTestId('run-progress-text')).toContainText('100');
  await expect(page.getByTestId('open-new-dataset')).toBeVisible({ timeout: 10_000 });
  await shot(page, 'corruptions-saved.png');

  // The Datasets page shows it with its parent and recipe.
  await page.getByTestId('open-new-dataset').click();
  await expect(page.getByRole('heading', { name: 'Datasets', level: 1 })).toBeVisible();
  const row = page.getByTestId('dataset-row-e2e noisy digits');
  await expect(row).toBeVisible();
  await expect(row.getByTestId('dataset-parent-link')).toHaveText('mnist-digits');
  await expect(page.getByTestId('dataset-parent')).toContainText('Made from mnist-digits');
  await expect(page.getByTestId('dataset-recipe')).toContainText('Label noise: symmetric, severity 5');
  await expect(page.getByTestId('dataset-recipe')).toContainText('Gaussian noise, severity 3');
  await expect(page.getByTestId('dataset-lineage')).toContainText(/measured label-noise rate \d+\.\d %/);
  await expect(page.getByTestId('regenerate-dataset')).toBeVisible();
  await shot(page, 'corruptions-datasets-lineage.png');

  // Re-generate it from its recipe: a copy with the same images.
  await page.getByTestId('regenerate-dataset').click();
  const regen = page.getByTestId('dataset-lineage').getByTestId('corrupt-job');
  await expect(regen).toHaveAttribute('data-status', 'finished', { timeout: 30_000 });
  await expect(page.getByTestId('dataset-row-e2e noisy digits (regenerated)')).toBeVisible({ timeout: 10_000 });

  // A tiny benchmark: two MNIST-C corruptions at severities 1 and 5, the second model as baseline.
  for (const id of [trainA.id, trainB.id]) {
    await expect
      .poll(async () => (await api<{ run: { status: string } }>(page, 'getRun', { runId: id })).run.status, { timeout: 60_000 })
      .toBe('finished');
  }
  await page.getByTestId('nav-corruptions').click();
  await page.getByTestId('tab-benchmark').click();
  await page.getByTestId('bench-dataset').selectOption({ label: 'mnist-digits' });
  await page.getByRole('textbox', { name: 'Models to test' }).click();
  await page.getByRole('option', { name: 'bench model (mlp)', exact: true }).click();
  await page.keyboard.press('Escape');
  const models = await api<{ id: string; name: string }[]>(page, 'listModels', {});
  await page.getByTestId('bench-baseline').selectOption(models.find((m) => m.name === 'bench baseline')!.id);
  await page.getByRole('button', { name: 'None', exact: true }).click();
  await page.getByTestId('bench-corruptions').getByText('MNIST-C: shear', { exact: true }).click();
  await page.getByTestId('bench-corruptions').getByText('MNIST-C: fog', { exact: true }).click();
  for (const s of ['2', '3', '4']) await page.getByTestId('bench-severities').getByText(s, { exact: true }).click();
  await page.getByTestId('bench-limit').fill('200');
  await expect(page.getByTestId('bench-summary')).toContainText('1 model × 2 corruptions × 2 severities on 200 images');
  await page.getByTestId('bench-submit').click();
  const report = page.getByTestId('benchmark-report');
  await expect(report).toBeVisible({ timeout: 60_000 });
  await expect(report.getByTestId('heatmap-row')).toHaveCount(2);
  await expect(report.getByTestId('heatmap-cell')).toHaveCount(4);
  await expect(report.getByTestId('bench-mce')).toContainText(/\d+\.\d %/);
  await expect(report.getByTestId('benchmark-sentence')).toContainText('on average over 2 corruptions at severities 1, 5');
  await expect(report.getByTestId('benchmark-bars')).toBeVisible();
  await shot(page, 'corruptions-benchmark.png');

  // The same report on the run page.
  const benchRunId = await page.getByTestId('bench-run').getAttribute('data-run-id');
  await page.goto(new URL(`/#/runs/${benchRunId}`, lab.url()).href);
  await expect(page.getByTestId('benchmark-report')).toBeVisible({ timeout: 15_000 });
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
  await shot(page, 'corruptions-benchmark-run-dark.png');
  await page.getByTestId('theme-toggle').click();

  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
  const stat = (k: keyof (typeof timings)[number]) => ({ median: median(timings.map((t) => t[k])), max: Math.max(...timings.map((t) => t[k])) });
  const summary = {
    samples: timings.length,
    keyToPaintMs: stat('keyToPaintMs'),
    changeToPaintMs: stat('changeToPaintMs'),
    roundTripMs: stat('roundTripMs'),
    serverMs: stat('serverMs'),
    throttleMs: 150,
    timings,
    testSeconds: (Date.now() - t0) / 1000,
  };
  fs.writeFileSync(path.join(SHOTS, 'corruptions-preview-latency.json'), JSON.stringify(summary, null, 2));
  console.log('preview latency', JSON.stringify({ ...summary, timings: undefined }));
  expect(pageErrors).toEqual([]);
});
