/**
 * Bring your own data and network in web mode, end to end: a folder of class folders (PNG files
 * made here) goes into the Datasets page's drop zone (through its folder chooser, the same path as
 * a drop after the files are collected), the lab detects the format and shows counts and a preview
 * grid per class, the import runs as a job with progress, a layer-list architecture is stored, and
 * a model of it is trained on the new dataset from the Train page and evaluated with PGD.
 *
 * Needs `npx electron-vite build` first. Screenshots: test-results/web-byo-*.png.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { expect, test, type Page } from '@playwright/test';
import { shot, useWebLab } from './support';

const lab = useWebLab('robustlab-e2e-byo-');

/** 3 classes × 16 images of 16×16: a red, green or blue tint plus deterministic noise. */
async function makeFolder(): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'robustlab-e2e-byo-images-'));
  const dir = path.join(root, 'colours');
  const names = ['blue', 'green', 'red'];
  for (const [c, name] of names.entries()) {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < 16; i++) {
      const px = Buffer.alloc(16 * 16 * 3);
      for (let p = 0; p < 256; p++) {
        const noise = ((p * 37 + i * 101 + c * 13) % 61) - 30;
        for (let ch = 0; ch < 3; ch++) px[3 * p + ch] = Math.max(0, Math.min(255, (ch === 2 - c ? 190 : 70) + noise));
      }
      await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(path.join(dir, name, `${i}.png`));
    }
  }
  return dir;
}

async function api<T>(page: Page, method: string, body: unknown): Promise<T> {
  return page.evaluate(
    async ([m, b]) => {
      const res = await fetch(`api/${m}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
      const env = await res.json();
      if (!env.ok) throw new Error(env.error.message);
      return env.result;
    },
    [method, body] as const,
  );
}

test('web: drop a folder, preview, import, train a layer-list model on it, evaluate', async ({ page }) => {
  test.setTimeout(300_000);
  const folder = await makeFolder();
  try {
    await page.goto(lab.url());
    await page.getByTestId('nav-datasets').click();
    const zone = page.getByTestId('byo-drop-zone');
    await expect(zone).toBeVisible();
    await page.getByTestId('byo-folder-input').setInputFiles(folder);

    // Detected format, counts and a preview grid per class, before anything is written.
    const panel = page.getByTestId('byo-preview-panel');
    await expect(panel).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('byo-detected')).toHaveText('image folder (class folders)');
    await expect(page.getByTestId('byo-counts')).toContainText('16×16×3 · 3 classes · train 0 · test 48');
    await expect(page.getByTestId('byo-preview-image')).toHaveCount(18);
    await expect(panel).toContainText('red');
    expect(await api<{ name: string }[]>(page, 'listDatasets', {}).then((l) => l.some((d) => d.name === 'colours'))).toBe(false);
    await page.getByTestId('byo-train-fraction').fill('0.75');
    await expect(page.getByTestId('byo-name')).toHaveValue('colours');
    await shot(page, 'web-byo-preview.png');

    await page.getByTestId('byo-import').click();
    await expect(page.getByTestId('dataset-row-colours')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('dataset-row-colours')).toContainText('36');
    await expect(page.getByRole('heading', { name: 'Examples from colours' })).toBeVisible();
    await shot(page, 'web-byo-imported.png');

    // A layer-list architecture for 16×16×3 and 3 classes, written in the Models page's editor:
    // checked (output shape after each layer), then saved.
    await page.getByTestId('nav-models').click();
    const editor = page.getByTestId('layer-list-json');
    await expect(editor).toBeVisible();
    await editor.fill(
      JSON.stringify({
        name: 'e2e-tiny',
        input: [16, 16, 3],
        layers: [
          { type: 'conv2d', in: 3, out: 4, kernel: 3, padding: 1 },
          { type: 'relu' },
          { type: 'maxpool', kernel: 2 },
          { type: 'flatten' },
          { type: 'linear', in: 200, out: 3 },
        ],
      }),
    );
    await page.getByTestId('layer-list-check').click();
    await expect(page.getByTestId('layer-list-problem')).toContainText('Layer 4 (linear) of architecture "e2e-tiny" takes 200 inputs, but the layer before gives 256');
    await editor.fill(((await editor.inputValue()) as string).replace('"in":200', '"in":256'));
    await page.getByTestId('layer-list-check').click();
    const summary = page.getByTestId('layer-list-summary');
    await expect(summary).toContainText('4×16×16');
    await expect(summary).toContainText('4×8×8');
    await expect(summary).toContainText('883 parameters');
    await page.getByTestId('layer-list-save').click();
    await expect(page.getByText('Architecture "e2e-tiny" saved')).toBeVisible();
    await shot(page, 'web-byo-layer-list.png');

    await page.getByTestId('nav-train').click();
    await expect(page.getByRole('heading', { name: 'Train', level: 1 })).toBeVisible();
    await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'colours' });
    await page.getByRole('button', { name: /Advanced settings/ }).click();
    await page.getByLabel('Architecture', { exact: true }).selectOption('e2e-tiny');
    await page.getByLabel('Epochs', { exact: true }).fill('3');
    await page.getByLabel('Batch size', { exact: true }).fill('8');
    // The preset's 1,000-image limits are more than this dataset has: use every image.
    await page.getByLabel('Training images (limit)', { exact: true }).fill('');
    await page.getByLabel('Test images per check', { exact: true }).fill('');
    await expect(page.getByTestId('train-summary')).not.toContainText('first 1,000');
    await page.getByLabel('Run name (optional)', { exact: true }).fill('e2e layer list');
    await page.getByRole('button', { name: 'Start training' }).click();
    const live = page.getByTestId('live-run');
    await expect(live.getByTestId('run-status')).toHaveText('finished', { timeout: 180_000 });
    await shot(page, 'web-byo-train.png');
    const runId = await live.getAttribute('data-run-id');
    await page.goto(new URL(`/#/runs/${runId}`, lab.url()).href);
    await expect(page.getByTestId('spec-table')).toContainText('e2e-tiny');
    await page.getByTestId('evaluate-this-model').click();
    await expect(page.getByRole('heading', { name: 'Evaluate', level: 1 })).toBeVisible();
    await page.getByTestId('eval-preset-custom').click();
    await page.getByLabel('Attack', { exact: true }).selectOption('pgd');
    await page.getByTestId('param-eps').fill('0.03');
    await page.getByTestId('param-steps').fill('5');
    await page.getByLabel('Images (limit)', { exact: true }).fill('12');
    await page.getByRole('button', { name: 'Run evaluation' }).click();
    const result = page.getByTestId('eval-result');
    await expect(result).toBeVisible({ timeout: 180_000 });
    await expect(result.getByTestId('report-robust')).toHaveText(/^\d+(\.\d)? %$/);
    await expect(result).toContainText('12 test images');
    await shot(page, 'web-byo-eval.png');

    // The stored architecture on the Models page: delete is refused while the model uses it (shown
    // in the dialog, nothing deleted); a rename carries the model along.
    await page.getByTestId('nav-models').click();
    const archRow = page.getByTestId('arch-row-e2e-tiny');
    await expect(archRow).toContainText('883');
    await archRow.getByTestId('arch-delete').click();
    await expect(page.getByTestId('arch-delete-refused')).toContainText('"e2e-tiny" is used by 1 model');
    await expect(page.getByTestId('arch-delete-confirm')).toHaveCount(0);
    await shot(page, 'web-byo-arch-delete-refused.png');
    await page.getByRole('button', { name: 'Close' }).click();
    await archRow.getByTestId('arch-rename').click();
    await page.getByTestId('arch-rename-input').fill('mlp');
    await page.getByTestId('arch-rename-save').click();
    await expect(page.getByText('"mlp" is a built-in architecture; give another name.')).toBeVisible();
    await page.getByTestId('arch-rename-input').fill('e2e-tiny-v2');
    await page.getByTestId('arch-rename-save').click();
    await expect(page.getByTestId('arch-row-e2e-tiny-v2')).toContainText('1');
    await expect(page.getByTestId('arch-row-e2e-tiny')).toHaveCount(0);
    await expect(page.locator('[data-testid^="model-row-"]').first()).toContainText('e2e-tiny-v2');
    await shot(page, 'web-byo-arch-renamed.png');
    // An unused one: delete asks first, then it is gone; the notification adds it back.
    await editor.fill(JSON.stringify({ name: 'e2e-spare', input: [8, 8, 1], layers: [{ type: 'flatten' }, { type: 'linear', in: 64, out: 2 }] }));
    await page.getByTestId('layer-list-save').click();
    const spare = page.getByTestId('arch-row-e2e-spare');
    await expect(spare).toContainText('130');
    await spare.getByTestId('arch-delete').click();
    await expect(page.getByTestId('arch-delete-free')).toContainText('No model uses “e2e-spare”');
    await page.getByTestId('arch-delete-confirm').click();
    await expect(spare).toHaveCount(0);
    await page.getByTestId('arch-add-back').click();
    await expect(spare).toContainText('130');
  } finally {
    fs.rmSync(path.dirname(folder), { recursive: true, force: true });
  }
});
