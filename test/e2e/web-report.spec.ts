/**
 * Robust training and the evaluation report in web mode, end to end: `robustlab web` on a fresh
 * lab folder, then a researcher's and an evaluator's journey: train a tiny mlp with fast
 * adversarial training (FGSM with random start) and watch the robust accuracy appear in the live
 * charts; evaluate it with the "Curve" preset (PGD over an eps grid) on 100 images; read the
 * report (headline with percentages, curve, per-class bars, confusions, reliability diagram,
 * examples); export it as HTML and CSV and check the files; open the run page of the evaluation.
 *
 * Needs `npx electron-vite build` first. Writes screenshots to test-results/.
 */
import { expect, test, type Page } from '@playwright/test';
import { shot, SHOTS, useWebLab } from './support';
import fs from 'node:fs';
import path from 'node:path';

const lab = useWebLab('robustlab-e2e-report-');

/** The page is never wider than the window (no horizontal scrolling). */
async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll, 'the page scrolls sideways').toBeLessThanOrEqual(client + 1);
}

test('web: robust training, curve evaluation, report, HTML export', async ({ page }) => {
  test.setTimeout(120_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.setViewportSize({ width: 1360, height: 900 });
  await page.goto(lab.url());
  await expect(page.getByTestId('status-backend')).toHaveText(/^Backend: (?!loading|unknown)\S+ — .+/, { timeout: 30_000 });

  // Train: fast adversarial training of a tiny mlp, with the per-epoch robustness check.
  await page.getByTestId('nav-train').click();
  await expect(page.getByRole('heading', { name: 'Train', level: 1 })).toBeVisible();
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'mnist-digits' });
  await page.getByLabel('Architecture', { exact: true }).selectOption('mlp');
  await page.getByLabel('Training method', { exact: true }).selectOption('fgsm-rs');
  const card = page.getByTestId('method-card');
  await expect(card).toContainText('Fast adversarial training');
  await expect(card.getByTestId('method-trade')).toContainText('about 2×');
  await expect(card.getByTestId('param-eps')).toHaveValue('0.1');
  // Adversarial methods turn the robustness check on by themselves.
  await expect(page.getByTestId('train-monitor')).toBeChecked();
  await page.getByLabel('Images checked each epoch', { exact: true }).fill('100');
  await page.getByRole('button', { name: /Advanced settings/ }).click();
  await page.getByLabel('Epochs', { exact: true }).fill('3');
  await page.getByLabel('Batch size', { exact: true }).fill('20');
  await page.getByLabel('Optimizer', { exact: true }).selectOption('adam');
  await page.getByLabel('Learning rate', { exact: true }).fill('0.002');
  await page.getByLabel('Training images (limit)', { exact: true }).fill('300');
  await page.getByLabel('Test images per check', { exact: true }).fill('200');
  await page.getByLabel('Run name (optional)', { exact: true }).fill('e2e robust mlp');
  await expect(page.getByTestId('train-summary')).toContainText('Fast adversarial training');
  await expect(page.getByTestId('train-summary')).toContainText('accuracy under a PGD attack');
  await expectNoHorizontalOverflow(page);
  await shot(page, 'web-report-train-form.png');
  await page.getByRole('button', { name: 'Start training' }).click();

  const live = page.getByTestId('live-run');
  await expect(live).toBeVisible();
  await expect(live.getByTestId('run-status')).toHaveText('finished', { timeout: 60_000 });
  await expect(live.getByTestId('live-run-monitor')).toContainText('PGD');
  // The robust metric is logged and charted next to the clean one.
  await expect(live.getByTestId('metric-test/pgd_accuracy')).toBeVisible({ timeout: 15_000 });
  await expect(live.getByTestId('chart-accuracy')).toContainText('Test accuracy under PGD');
  await shot(page, 'web-report-train-live.png');

  // Evaluate: the Curve preset at eps 0.1 on 100 images.
  await live.getByRole('link', { name: 'Evaluate this model' }).click();
  await expect(page.getByRole('heading', { name: 'Evaluate', level: 1 })).toBeVisible();
  await page.getByTestId('eval-preset-curve').click();
  await expect(page.getByTestId('eval-preset-curve')).toHaveAttribute('aria-checked', 'true');
  await page.getByTestId('eval-eps').getByText('0.1', { exact: true }).click();
  await expect(page.getByTestId('eps-explained')).toContainText('26 of 255');
  await page.getByLabel('Images (limit)', { exact: true }).fill('100');
  await expect(page.getByTestId('eval-summary')).toContainText('the first 100 test images');
  await expect(page.getByTestId('eval-summary')).toContainText('0.2');
  await page.getByRole('button', { name: 'Run evaluation' }).click();

  const run = page.getByTestId('eval-run');
  await expect(run).toBeVisible();
  const report = run.getByTestId('evaluation-report');
  await expect(report).toBeVisible({ timeout: 60_000 });

  // The headline in plain words, with percentages.
  const headline = report.getByTestId('report-headline');
  await expect(headline).toContainText(/eps 0\.1\), accuracy (falls from \d+ % to \d+ %|stays at \d+ %)\./);
  const headlineText = (await headline.textContent())!.trim();
  await expect(report.getByTestId('report-clean')).toHaveText(/^\d+\.\d %$/);
  await expect(report.getByTestId('report-robust')).toHaveText(/^\d+\.\d %$/);
  await expect(report).toContainText('100 test images');
  // Curve over the 7 eps values, per-class bars, confusions, reliability diagrams, examples.
  await expect(report.getByTestId('report-curve')).toHaveAttribute('data-points', '7');
  await expect(report.getByTestId('report-curve').locator('.recharts-line-dot, .recharts-dot').first()).toBeVisible();
  await expect(report.getByTestId('report-per-class').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(report.getByTestId('report-worst')).toHaveText(/^(\S+: \d+\.\d %|\d+\.\d % each)$/);
  await expect(report.getByTestId('report-confusion').locator('tbody tr')).toHaveCount(10);
  await expect(report.getByTestId('report-reliability-clean').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(report.getByTestId('report-reliability-adversarial')).toBeVisible();
  await expect(report.getByTestId('report-ece')).toHaveText(/^\d+\.\d % \/ \d+\.\d %$/);
  expect(await report.getByTestId('gallery-item').count()).toBeGreaterThan(0);
  await expect(report.getByTestId('report-cost-details')).toContainText('gradient evaluations');
  await expect(report.getByTestId('report-checks-ok').or(report.getByTestId('report-warnings'))).toBeVisible();
  await expectNoHorizontalOverflow(page);
  await shot(page, 'web-report-eval.png');
  await shot(page, 'web-report-eval-report.png', report);

  // Export: a self-contained HTML file with the same headline, and a CSV table.
  const [html] = await Promise.all([page.waitForEvent('download'), report.getByTestId('export-html').click()]);
  expect(html.suggestedFilename()).toMatch(/^robustness-.+\.html$/);
  const htmlText = fs.readFileSync((await html.path())!, 'utf8');
  expect(htmlText).toContain('<!doctype html>');
  expect(htmlText).toContain(headlineText);
  expect(htmlText).not.toMatch(/<script|src="http/);
  const exported = path.join(SHOTS, 'web-report-export.html');
  fs.writeFileSync(exported, htmlText);
  const [csv] = await Promise.all([page.waitForEvent('download'), report.getByTestId('export-csv').click()]);
  expect(csv.suggestedFilename()).toMatch(/\.csv$/);
  expect(fs.readFileSync((await csv.path())!, 'utf8').split('\n')[0]).toBe('section,item,field,value');

  // Dark theme, and a narrow window: still readable, still no sideways scrolling.
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
  await shot(page, 'web-report-eval-dark.png');
  await page.setViewportSize({ width: 800, height: 900 });
  await page.waitForTimeout(300);
  await expectNoHorizontalOverflow(page);
  await page.setViewportSize({ width: 1360, height: 900 });
  await page.getByTestId('theme-toggle').click();

  // The run page of the evaluation shows the same report.
  await run.getByRole('link', { name: /^pgd-/ }).click();
  await expect(page.getByTestId('run-title')).toBeVisible();
  await expect(page.getByTestId('run-eval-result').getByTestId('report-headline')).toHaveText(headlineText);
  await expect(page.getByTestId('spec-table')).toContainText('Robustness curve at eps');
  await shot(page, 'web-report-run.png');
  const modelLink = page.getByTestId('evaluate-this-model');

  // Quick check: FGSM and PGD-20 as two runs, one tab each.
  await modelLink.click();
  await page.getByTestId('eval-preset-quick').click();
  await page.getByTestId('eval-eps').getByText('0.1', { exact: true }).click();
  await page.getByLabel('Images (limit)', { exact: true }).fill('100');
  await expect(page.getByTestId('eval-summary')).toContainText('two evaluations, FGSM and PGD with 20 steps');
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  const tabs = page.getByTestId('eval-runs').getByRole('tab');
  await expect(tabs).toHaveCount(2);
  await expect(tabs.nth(0)).toContainText('FGSM');
  await expect(tabs.nth(1)).toContainText('PGD');
  await expect(page.getByTestId('evaluation-report')).toBeVisible({ timeout: 60_000 });
  await tabs.nth(1).click();
  await expect(page.getByTestId('evaluation-report').getByTestId('report-headline')).toContainText(/accuracy (falls from|stays at)/, { timeout: 60_000 });
  await expect(tabs.nth(0)).toContainText(/\d+ % → \d+ %/);
  await shot(page, 'web-report-quick.png');

  // Certified: IBP proves a share of the images robust (no attack).
  await page.getByTestId('eval-preset-certified').click();
  await expect(page.getByTestId('eval-summary')).toContainText('Proves robustness with IBP at eps 0.1');
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  const cert = page.getByTestId('eval-run').getByTestId('evaluation-report');
  await expect(cert.getByTestId('report-headline')).toContainText(/^IBP proves that \d+ % of the 100 test images/, { timeout: 60_000 });
  await expect(cert.getByTestId('report-robust')).toHaveText(/^\d+\.\d %$/);
  await expect(cert).toContainText('Certified accuracy at eps 0.1');
  await shot(page, 'web-report-certified.png', page.getByTestId('eval-run'));

  // The exported file, as its reader sees it.
  await page.goto(`file://${exported}`);
  await expect(page.locator('p.summary')).toHaveText(headlineText);
  await page.screenshot({ path: path.join(SHOTS, 'web-report-export-html.png'), fullPage: true });

  expect(pageErrors).toEqual([]);
});
