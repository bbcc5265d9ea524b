/**
 * Web mode: a person turns the Train form into a 4-member sweep (seed 0..3, two at a time),
 * sees the run count before starting, follows the group's progress to the end, reads the best
 * member, and opens Compare on the sweep's runs.
 */
import { expect, test } from '@playwright/test';
import { shot, useWebLab } from './support';

const lab = useWebLab('robustlab-e2e-sweeps-');

test('web: run the Train form as a 4-member sweep and follow it', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.setViewportSize({ width: 1360, height: 900 });
  await page.goto(lab.url());
  await page.getByTestId('nav-train').click();
  await expect(page.getByRole('heading', { name: 'Train', level: 1 })).toBeVisible();
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'mnist-digits' });
  await page.getByRole('button', { name: /Advanced settings/ }).click();
  await page.getByLabel('Architecture', { exact: true }).selectOption('mlp');
  await page.getByLabel('Epochs', { exact: true }).fill('1');
  await page.getByLabel('Batch size', { exact: true }).fill('50');
  await page.getByLabel('Training images (limit)', { exact: true }).fill('200');
  await page.getByLabel('Test images per check', { exact: true }).fill('100');

  // Run as sweep: the seed from 0 to 3, two at a time; the lab answers with the run count.
  await page.getByLabel('Try several values').check();
  await page.getByTestId('sweep-axis-values-0').fill('0..3');
  await page.getByTestId('sweep-parallel').fill('2');
  await expect(page.getByTestId('sweep-plan')).toContainText('4 runs');
  await expect(page.getByTestId('sweep-plan')).toContainText('to estimate from');
  // A bad value is refused before anything starts, naming the member.
  await page.getByTestId('sweep-axis-values-0').fill('0..3,x');
  await expect(page.getByTestId('sweep-problem')).toBeVisible();
  await expect(page.getByTestId('start-sweep')).toBeDisabled();
  await page.getByTestId('sweep-axis-values-0').fill('0..3');
  await expect(page.getByTestId('sweep-plan')).toContainText('4 runs');
  await shot(page, 'web-sweep-form.png', page.locator('section[aria-labelledby="sweep-title"]'));
  await page.getByTestId('start-sweep').click();

  // The group progress view.
  const progress = page.getByTestId('sweep-progress');
  await expect(progress).toBeVisible();
  await expect(page).toHaveURL(/#\/sweeps\/sw_/);
  await expect(page.getByTestId('sweep-member')).toHaveCount(4);
  await expect(page.getByTestId('sweep-counts')).toContainText('of 4 members done');
  await expect(page.locator('[data-testid="sweep-member"][data-status="running"]').first()).toBeVisible({ timeout: 90_000 });
  await shot(page, 'web-sweep-running.png');
  await expect(progress).toHaveAttribute('data-status', 'finished', { timeout: 4 * 60_000 });
  await expect(page.locator('[data-testid="sweep-member"][data-status="finished"]')).toHaveCount(4);
  await expect(page.getByTestId('sweep-counts')).toContainText('4 of 4 members done');
  await expect(page.getByTestId('sweep-best')).toContainText(/Best: member \d \(seed = \d\) with Test accuracy/);
  await shot(page, 'web-sweep-finished.png');

  // The sweeps list shows it whole.
  await page.getByTestId('nav-sweeps').click();
  await expect(page.getByTestId('sweeps-table')).toContainText('finished');
  // Without Redis the jobs run on this machine, and the Workers panel says so.
  await expect(page.getByTestId('workers-embedded')).toBeVisible();
  await shot(page, 'web-sweeps-list.png');

  // Compare opens on the sweep's four runs.
  await page.goBack();
  await page.getByTestId('sweep-compare').click();
  await expect(page).toHaveURL(/#\/compare\?runs=(r_[^,&]+(%2C|,)){3}r_/);
  await page.waitForTimeout(1500);
  await shot(page, 'web-sweep-compare.png');
  expect(pageErrors).toEqual([]);
});
