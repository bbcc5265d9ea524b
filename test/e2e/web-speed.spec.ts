/**
 * The renderer is split by page (#12): the first page (Datasets) loads without the other pages'
 * code, and each other page's chunk arrives when it is opened. The time from opening the URL to
 * the Datasets heading is printed for the report (the bench's business, so not asserted here).
 */
import { expect, test } from '@playwright/test';
import { shot, useWebLab } from './support';

const lab = useWebLab('robustlab-e2e-speed-');

test('the first page loads only its own code; other pages load their chunk when opened', async ({ page }) => {
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
  });
  await page.goto(lab.url());
  await expect(page.getByRole('heading', { name: 'Datasets', level: 1 })).toBeVisible();
  const ms = await page.evaluate(() => performance.now());
  console.log(`web-speed: Datasets heading visible ${Math.round(ms)} ms after navigation start; ${scripts.length} scripts: ${scripts.join(', ')}`);
  await expect(page.getByRole('heading', { name: 'Examples from mnist-digits' })).toBeVisible();
  const firstLoad = [...scripts];
  // None of the other pages' chunks came with the first page.
  for (const name of ['TrainPage', 'EvaluatePage', 'RunsPage', 'PatchingPage', 'ComparePage', 'CorruptionsPage']) {
    expect(firstLoad.some((s) => s.includes(name)), `${name} loaded with the first page`).toBe(false);
  }
  await page.getByTestId('nav-train').click();
  await expect(page.getByRole('heading', { name: 'Train', level: 1 })).toBeVisible();
  expect(scripts.slice(firstLoad.length).some((s) => s.includes('TrainPage'))).toBe(true);
  await page.getByTestId('nav-evaluate').click();
  await expect(page.getByRole('heading', { name: 'Evaluate', level: 1 })).toBeVisible();
  expect(scripts.some((s) => s.includes('EvaluatePage'))).toBe(true);
  await shot(page, 'speed-evaluate.png');
});
