/**
 * The Patching page in web mode, end to end, on a fresh lab: a tiny base model (trained through
 * the API), then the patcher's journey in the UI: build a family (clean + contrast), extract a
 * compressed signature with the per-layer ‖Δ‖ chart, see it in the library, patch the clean model
 * with an α slider and an instant estimate, save it, run an α sweep, see its chart, pick a point
 * and save that model, then the clean member's run page shows the signature and the patched models
 * in its lineage. Screenshots of each step go to test-results/patching-*.png.
 *
 * Needs `npx electron-vite build` first.
 */
import { expect, test, type Page } from '@playwright/test';
import { shot, useWebLab } from './support';

const lab = useWebLab('robustlab-e2e-patching-');

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

test('web: patching — family, extract, library, patch with estimate, α sweep, save', async ({ page }) => {
  test.setTimeout(240_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.setViewportSize({ width: 1360, height: 900 });
  await page.goto(lab.url());
  await expect(page.getByTestId('status-backend')).toHaveText(/^Backend: (?!loading|unknown)\S+ — .+/, { timeout: 30_000 });

  // A tiny base model (θ_pre), trained through the API.
  const base = await api<{ id: string }>(page, 'submitTrain', {
    kind: 'train',
    name: 'tiny-base',
    dataset: 'mnist-digits',
    arch: 'mnist-cnn',
    epochs: 1,
    batchSize: 32,
    limit: 300,
    testLimit: 100,
    seed: 0,
    optimizer: { name: 'sgd', lr: 0.05 },
  });
  let baseRun: { status: string; error: string | null } = { status: 'queued', error: null };
  await expect
    .poll(async () => {
      baseRun = (await api<{ run: { status: string; error: string | null } }>(page, 'getRun', { runId: base.id })).run;
      return ['queued', 'running'].includes(baseRun.status);
    }, { timeout: 60_000 })
    .toBe(false);
  expect(baseRun.status, baseRun.error ?? '').toBe('finished');

  // 1. Build a family.
  await page.getByTestId('nav-patching').click();
  await expect(page.getByRole('heading', { name: 'Patching', level: 1 })).toBeVisible();
  await page.getByTestId('family-base').selectOption({ label: 'tiny-base' });
  await page.getByTestId('family-dataset').selectOption({ label: 'mnist-digits' });
  await page.getByTestId('family-corruption-contrast').click();
  await page.getByTestId('family-limit').fill('300');
  await page.getByTestId('family-name').fill('fam');
  await page.getByTestId('family-submit').click();
  const members = page.getByTestId('family-members');
  await expect(members.getByRole('row')).toHaveCount(3, { timeout: 90_000 });
  await expect(members).toContainText('fam-contrast-s4');
  await expect(page.getByTestId('family-run')).toContainText('finished', { timeout: 90_000 });
  await expect(members.getByText('finished')).toHaveCount(2);
  await shot(page, 'patching-1-family.png');

  // 2. Extract: the per-layer chart, K = 2, 16 even levels.
  await page.getByTestId('tab-extract').click();
  await page.getByTestId('extract-model').selectOption({ label: 'fam-contrast-s4' });
  await page.getByTestId('extract-clean').selectOption({ label: 'fam-clean' });
  await expect(page.getByTestId('layer-delta-chart').locator('.recharts-bar-rectangle').first()).toBeVisible({ timeout: 15_000 });
  await page.getByTestId('extract-compression').selectOption('linear:16');
  await page.getByTestId('extract-name').fill('contrast-sig');
  await page.getByTestId('extract-submit').click();
  await expect(page.getByTestId('extract-result')).toContainText('“contrast-sig”', { timeout: 30_000 });
  await expect(page.getByTestId('extract-result')).toContainText('smaller than the model');
  await shot(page, 'patching-2-extract.png');

  // The library lists it with its size and measured effect.
  await page.getByTestId('tab-library').click();
  await expect(page.getByTestId('signature-library')).toContainText('contrast-sig');
  await expect(page.getByTestId('signature-library')).toContainText('mnist-digits-contrast-s4');
  await shot(page, 'patching-3-library.png');

  // 3. Patch: the estimate appears; move α and it updates; save.
  await page.getByTestId('tab-patch').click();
  await page.getByTestId('patch-target').selectOption({ label: 'fam-clean' });
  const estimate = page.getByTestId('patch-estimate');
  await expect(estimate).toContainText('mnist-digits-contrast-s4', { timeout: 15_000 });
  await expect(estimate).toContainText('256 test images');
  const slider = page.getByRole('slider', { name: 'α of signature 1' });
  await slider.focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('patch-term-0')).toContainText('α = 0.90');
  await page.getByTestId('patch-name').fill('clean+contrast');
  await page.getByTestId('patch-save').click();
  await expect(page.getByText('Patched model saved')).toBeVisible({ timeout: 15_000 });
  await shot(page, 'patching-4-patch.png');

  // 4. α sweep: three points with FGSM at each, the chart (two sets + the attacked one), pick α = 1 and save it.
  await page.getByTestId('tab-sweep').click();
  await page.getByTestId('sweep-target').selectOption({ label: 'fam-clean' });
  await page.getByTestId('sweep-alphas').fill('0,0.5,1');
  await page.getByTestId('sweep-limit').fill('200');
  await page.getByTestId('sweep-attack').selectOption('fgsm');
  await page.getByTestId('sweep-eps').fill('0.1');
  await page.getByTestId('sweep-attack-limit').fill('100');
  await page.getByTestId('sweep-start').click();
  const chart = page.getByTestId('sweep-chart');
  await expect(chart.getByTestId('sweep-point-1')).toBeVisible({ timeout: 60_000 });
  await expect(chart.locator('.recharts-line')).toHaveCount(3);
  await expect(chart.getByText('mnist-digits under attack')).toBeVisible();
  await chart.getByTestId('sweep-point-1').click();
  await page.getByTestId('sweep-save').click();
  await expect(page.getByText('(α = 1) is on the Models page')).toBeVisible({ timeout: 15_000 });
  await shot(page, 'patching-5-sweep.png');

  // 5. Transfer check: the signature on another model from the same base, with the lab's verdict.
  await page.getByTestId('tab-transfer').click();
  await page.getByTestId('transfer-target').selectOption({ label: 'clean+contrast' });
  await page.getByTestId('transfer-run').click();
  const transfer = page.getByTestId('transfer-result');
  await expect(transfer).toBeVisible({ timeout: 30_000 });
  await expect(transfer.getByRole('row')).toHaveCount(3);
  await expect(page.getByTestId('transfer-verdict')).toHaveText(/^(transfers|does not transfer|no gain to transfer)$/);
  await shot(page, 'patching-6-transfer.png');

  const models = await api<{ name: string; source: string }[]>(page, 'listModels', {});
  expect(models.filter((m) => m.source === 'patched').map((m) => m.name).sort()).toEqual(['clean+contrast', 'fam-clean+contrast-sig-a1']);
  const lineage = await api<{ terms: { signatureName: string; alpha: number }[] }>(page, 'patchLineage', { model: 'clean+contrast' });
  expect(lineage.terms.map((t) => t.signatureName)).toEqual(['contrast-sig']);
  expect(lineage.terms[0].alpha).toBeCloseTo(0.9, 6);

  // 6. The clean member's run page: its lineage shows the signature that went into its patched models, with α.
  const clean = (await api<{ name: string; runId: string | null }[]>(page, 'listModels', {})).find((m) => m.name === 'fam-clean')!;
  await page.goto(new URL(`/#/runs/${clean.runId}`, lab.url()).href);
  const graph = page.getByTestId('run-lineage');
  await expect(graph.getByRole('link', { name: /^weight signature contrast-sig/ })).toBeVisible({ timeout: 15_000 });
  await expect(graph.locator('[data-kind="patched_model"]')).toHaveCount(2);
  await expect(graph).toContainText('patched: clean+contrast');
  await expect(graph.getByTestId('lineage-edge-label')).toHaveText(['α 0.9', 'α 1']);
  await expect(page.getByTestId('lineage-legend')).toContainText('weight signature');
  await shot(page, 'patching-7-lineage.png', graph);
  await graph.getByRole('link', { name: /^weight signature contrast-sig/ }).click();
  await expect(page).toHaveURL(/#\/patching\?tab=library$/);
  await expect(page.getByTestId('signature-library')).toContainText('contrast-sig');

  // An evaluation of the patched model: its run page shows the path back (target, its run, the signature with α).
  const ev = await api<{ id: string }>(page, 'submitEval', { kind: 'eval', name: 'patched eval', model: 'clean+contrast', dataset: 'mnist-digits', limit: 50 });
  await expect.poll(async () => (await api<{ run: { status: string } }>(page, 'getRun', { runId: ev.id })).run.status, { timeout: 60_000 }).toBe('finished');
  await page.goto(new URL(`/#/runs/${ev.id}`, lab.url()).href);
  await expect(graph.locator('[data-kind="patched_model"]')).toHaveCount(1, { timeout: 15_000 });
  await expect(graph.getByRole('link', { name: 'run train: fam-clean' })).toBeVisible();
  await expect(graph.getByTestId('lineage-edge-label')).toHaveText(['α 0.9']);
  await shot(page, 'patching-8-lineage-back.png', graph);
  expect(pageErrors).toEqual([]);
});
