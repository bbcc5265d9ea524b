/**
 * Issue #15 in the browser: an IDX import whose labels hold a stray 255 is refused with one
 * sentence until the person confirms the unusual class count in the form; then it imports.
 */
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shot, useWebLab } from './support';

const lab = useWebLab('robustlab-e2e-hardening-');

function idx(dims: number[], data: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 0x08;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, data]);
}

async function choose(page: Page, label: string, file: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: `${label}: choose file` }).click();
  await (await chooser).setFiles(file);
  await expect(page.getByTitle(new RegExp(`${path.basename(file)}$`))).toBeVisible({ timeout: 30_000 });
}

test('import: a stray label 255 needs the class count confirmed', async ({ page }) => {
  test.setTimeout(3 * 60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-e2e-idx-'));
  const images = path.join(dir, 't10k-images-idx3-ubyte');
  const labels = path.join(dir, 't10k-labels-idx1-ubyte');
  const n = 12;
  fs.writeFileSync(images, idx([n, 8, 8], Uint8Array.from({ length: n * 64 }, (_, i) => (i * 37) % 256)));
  fs.writeFileSync(labels, idx([n], Uint8Array.from({ length: n }, (_, i) => (i === n - 1 ? 255 : i % 10))));
  await page.setViewportSize({ width: 1360, height: 900 });
  await page.goto(lab.url());
  await expect(page.getByRole('heading', { name: 'Datasets', level: 1 })).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('open-import-dataset').click();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('stray label');
  await choose(page, 'Test images', images);
  await choose(page, 'Test labels', labels);
  await page.getByTestId('import-dataset-submit').click();
  const problem = page.getByTestId('import-problem');
  await expect(problem).toContainText('256 classes', { timeout: 30_000 });
  await shot(page, 'hardening-1-class-count-question.png');
  await page.getByTestId('import-confirm-classes').check();
  await page.getByTestId('import-dataset-submit').click();
  await expect(page.getByText('Imported stray label')).toBeVisible({ timeout: 30_000 });
  await shot(page, 'hardening-2-imported.png');
  fs.rmSync(dir, { recursive: true, force: true });
});
