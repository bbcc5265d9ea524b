/**
 * Web mode, end to end: `robustlab web` on a fresh lab folder, then the journey a first-time
 * user takes in the browser: see the backend, look at the built-in dataset, train a tiny model,
 * reload, find the run, evaluate the model under PGD and read the result in plain words.
 *
 * Needs `npm run build` first (the server serves out/renderer). Set ROBUSTLAB_E2E_URL to run the
 * same journey against a server that is already running.
 */
import { expect, test, type Page } from '@playwright/test';
import { shot, useWebLab } from './support';

const lab = useWebLab('robustlab-e2e-web-');

test('web: dataset, train, reload, runs, evaluate under PGD', async ({ page }) => {
  test.setTimeout(8 * 60_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.setViewportSize({ width: 1360, height: 900 });

  // Open the printed URL: the status bar names the compute backend.
  await page.goto(lab.url());
  await expect(page.getByTestId('status-backend')).toHaveText(/^Backend: (?!loading|unknown)\S+ — .+/, { timeout: 30_000 });
  expect(page.url()).not.toContain('token=');

  // Datasets: the built-in mnist-digits with a grid of sample images.
  await expect(page.getByRole('heading', { name: 'Datasets', level: 1 })).toBeVisible();
  const mnistRow = page.getByTestId('dataset-row-mnist-digits');
  await expect(mnistRow).toBeVisible();
  await mnistRow.getByRole('link', { name: 'mnist-digits' }).click();
  await expect(page.getByRole('heading', { name: 'Examples from mnist-digits' })).toBeVisible();
  await expect(page.getByTestId('sample-image').first()).toBeVisible();
  expect(await page.getByTestId('sample-image').count()).toBeGreaterThanOrEqual(10);
  await shot(page, 'web-datasets.png');

  // Train a tiny MLP.
  await page.getByTestId('nav-train').click();
  await expect(page.getByRole('heading', { name: 'Train', level: 1 })).toBeVisible();
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'mnist-digits' });
  await page.getByRole('button', { name: /Advanced settings/ }).click();
  await page.getByLabel('Architecture', { exact: true }).selectOption('mlp');
  await page.getByLabel('Epochs', { exact: true }).fill('1');
  await page.getByLabel('Batch size', { exact: true }).fill('50');
  await page.getByLabel('Training images (limit)', { exact: true }).fill('500');
  await page.getByLabel('Test images per check', { exact: true }).fill('500');
  await page.getByLabel('Run name (optional)', { exact: true }).fill('e2e tiny mlp');
  await expect(page.getByTestId('train-summary')).toContainText('first 500');
  await page.getByRole('button', { name: 'Start training' }).click();

  const live = page.getByTestId('live-run');
  await expect(live).toBeVisible();
  const runId = await live.getAttribute('data-run-id');
  expect(runId).toBeTruthy();
  // The progress bar moves and the loss chart gets points...
  await expect
    .poll(async () => Number(await page.getByTestId('run-progress').getAttribute('data-value')), { timeout: 240_000 })
    .toBeGreaterThan(0);
  // ...until the run is finished.
  await expect(live.getByTestId('run-status')).toHaveText('finished', { timeout: 300_000 });
  await expect(live.getByTestId('run-finished')).toBeVisible();
  await expect
    .poll(async () => Number(await live.getByTestId('chart-train-loss').getAttribute('data-points')), { timeout: 15_000 })
    .toBeGreaterThan(0);
  await expect(live.getByTestId('run-progress-text')).toContainText('100');
  await shot(page, 'web-train.png');

  // Reload without the token in the address: sessionStorage (and the cookie) carry it.
  await page.goto(new URL('/#/runs', lab.url()).href);
  await page.reload();
  expect(page.url()).not.toContain('token=');
  await expect(page.getByRole('heading', { name: 'Runs', level: 1 })).toBeVisible();
  const row = page.getByTestId(`run-row-${runId}`);
  await expect(row).toBeVisible({ timeout: 20_000 });
  await expect(row).toContainText('e2e tiny mlp');
  await expect(row.getByTestId('run-status')).toHaveText('finished');
  await shot(page, 'web-runs.png');

  // The run page, then evaluate its model.
  await row.getByRole('link', { name: 'e2e tiny mlp' }).click();
  await expect(page.getByTestId('run-title')).toHaveText('e2e tiny mlp');
  await expect(page.getByTestId('spec-table')).toContainText('mlp');
  await shot(page, 'web-run.png');
  await page.getByTestId('evaluate-this-model').click();

  await expect(page.getByRole('heading', { name: 'Evaluate', level: 1 })).toBeVisible();
  await page.getByTestId('eval-preset-custom').click();
  await page.getByLabel('Attack', { exact: true }).selectOption('pgd');
  await page.getByTestId('param-eps').fill('0.1');
  await page.getByTestId('param-steps').fill('10');
  await page.getByLabel('Images (limit)', { exact: true }).fill('200');
  await page.getByRole('button', { name: 'Run evaluation' }).click();

  const result = page.getByTestId('eval-result');
  await expect(result).toBeVisible({ timeout: 300_000 });
  await expect(result.getByTestId('report-headline')).toContainText(/\(eps 0\.1\), accuracy (falls from \d+ % to \d+ %|stays at \d+ %)/);
  await expect(result).toContainText('PGD (projected gradient descent, L∞), eps 0.1 per pixel · 200 test images');
  await expect(result.getByTestId('report-robust')).toHaveText(/^\d+\.\d %$/);
  await shot(page, 'web-eval.png');

  // The same page in the dark theme.
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
  await shot(page, 'web-eval-dark.png');

  expect(pageErrors).toEqual([]);
});
