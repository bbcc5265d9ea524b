/**
 * What a non-programmer trips over (issue #17), end to end in web mode with Chromium: each test
 * is one point of the issue, fails on the code before its fix, and leaves a screenshot in
 * test-results/usability-*.png to look at.
 *
 * Setup that is not the point of a test (a second tab's work, a CLI user's work) is done through
 * the same HTTP API the page uses, with the lab's token.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shot, useWebLab } from './support';

const lab = useWebLab('robustlab-e2e-usability-');
const FASHION = '/usr/share/datasets/fashion-mnist';

/** One API call as another tab (or the CLI) would make it. */
async function api<T = Record<string, unknown>>(method: string, input: unknown): Promise<T> {
  const u = new URL(lab.url());
  const token = u.searchParams.get('token') ?? '';
  const res = await fetch(new URL(`/api/${method}`, u.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-robustlab-token': token },
    body: JSON.stringify(input),
  });
  const env = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!env.ok) throw new Error(`${method}: ${env.error?.message}`);
  return env.result as T;
}

async function waitRun(runId: string, timeoutMs = 240_000): Promise<{ run: { status: string; modelId: string | null; error: string | null } }> {
  const t0 = Date.now();
  for (;;) {
    const d = await api<{ run: { status: string; modelId: string | null; error: string | null } }>('getRun', { runId });
    if (['finished', 'failed', 'cancelled', 'interrupted'].includes(d.run.status)) return d;
    if (Date.now() - t0 > timeoutMs) throw new Error(`run ${runId} still ${d.run.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const TINY = { kind: 'train', dataset: 'mnist-digits', arch: 'mlp', epochs: 1, batchSize: 50, optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 }, limit: 600, testLimit: 300, seed: 1 };

/** Shared across the tests of this file (they run in order, one worker). */
const made: { tourModel?: string; baseline?: string; fogged?: { id: string; name: string } } = {};

async function open(page: Page, hash = ''): Promise<void> {
  await page.setViewportSize({ width: 1360, height: 900 });
  await page.goto(lab.url().replace(/#.*$/, '') + hash);
  await expect(page.getByTestId('status-backend')).toHaveText(/^Backend: (?!loading|unknown)\S+ — .+/, { timeout: 30_000 });
}

test.describe.configure({ mode: 'serial' });

test('9. first contact: a welcome panel with three steps, dismissable, back from Help, and a quick tour that trains and checks', async ({ page }) => {
  test.setTimeout(5 * 60_000);
  await open(page);
  const welcome = page.getByTestId('welcome');
  await expect(welcome).toBeVisible();
  await expect(welcome).toContainText('Pick data');
  await expect(welcome).toContainText('Train a model');
  await expect(welcome).toContainText('Evaluate it');
  await shot(page, 'usability-9-welcome.png');
  await welcome.getByTestId('dismiss-welcome').click();
  await expect(welcome).toBeHidden();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Datasets', level: 1 })).toBeVisible();
  await expect(page.getByTestId('welcome')).toBeHidden();
  await page.getByTestId('help-button').click();
  await expect(page.getByTestId('welcome')).toBeVisible();

  // The quick tour: a tiny training run opens, then its check opens with a plain-words report.
  await page.getByTestId('start-tour').click();
  await expect(page).toHaveURL(/#\/runs\/r_/);
  const trainUrl = page.url();
  await expect(page.getByTestId('run-title')).toContainText('Quick tour');
  await expect(page).not.toHaveURL(trainUrl, { timeout: 240_000 });
  await expect(page.getByTestId('run-title')).toContainText('check under a small attack');
  await expect(page.getByTestId('report-headline')).toContainText(/accuracy (falls from|stays at)/, { timeout: 120_000 });
  await shot(page, 'usability-9-tour-report.png');
  const trainRun = trainUrl.split('#/runs/')[1]!;
  made.tourModel = (await api<{ run: { modelId: string } }>('getRun', { runId: trainRun })).run.modelId;
  expect(made.tourModel).toBeTruthy();
});

test('7. lists update live: a dataset and a model renamed or made elsewhere appear without a reload', async ({ page }) => {
  test.setTimeout(3 * 60_000);
  await open(page, '#/datasets');
  // Another tab (or the CLI) corrupts the digits into a test-only dataset.
  const run = await api<{ id: string }>('submitCorrupt', {
    kind: 'corrupt',
    dataset: 'mnist-digits',
    name: 'fog test only',
    recipe: { seed: 0, steps: [{ corruption: 'fog', severity: 2 }] },
    splits: ['test'],
  });
  const done = await waitRun(run.id);
  expect(done.run.status).toBe('finished');
  await expect(page.getByTestId('dataset-row-fog test only')).toBeVisible({ timeout: 10_000 });
  const ds = (await api<{ id: string; name: string }[]>('listDatasets', {})).find((d) => d.name === 'fog test only')!;
  made.fogged = { id: ds.id, name: ds.name };

  // The Models page shows a model renamed in another tab.
  await page.getByTestId('nav-models').click();
  await expect(page.getByTestId(`model-row-${made.tourModel}`)).toBeVisible();
  await api('updateModel', { model: made.tourModel, name: 'tour model (renamed elsewhere)' });
  await expect(page.getByTestId(`model-row-${made.tourModel}`)).toContainText('tour model (renamed elsewhere)', { timeout: 10_000 });
  await shot(page, 'usability-7-live-models.png');
});

test('8. manage what you made: rename, delete shows dependents and refuses, delete + undo, download weights', async ({ page }) => {
  test.setTimeout(3 * 60_000);
  const extra = await api<{ id: string }>('submitTrain', { ...TINY, name: 'spare model' });
  const spare = (await waitRun(extra.id)).run.modelId!;
  await open(page, '#/models');
  const row = page.getByTestId(`model-row-${made.tourModel}`);
  // Rename in the UI.
  await row.getByTestId('manage-menu').click();
  await page.getByTestId('rename-item').filter({ visible: true }).click();
  await page.getByTestId('rename-input').fill('tour model');
  await page.getByTestId('rename-save').click();
  await expect(row).toContainText('tour model');
  await expect(row).not.toContainText('renamed elsewhere');
  // The tour model has an evaluation: deleting is refused, with what needs it listed.
  await row.getByTestId('manage-menu').click();
  await page.getByTestId('delete-item').filter({ visible: true }).click();
  await expect(page.getByTestId('delete-blocked')).toContainText('evaluation fgsm on mnist-digits');
  await expect(page.getByTestId('delete-confirm')).toHaveCount(0);
  await shot(page, 'usability-8-delete-blocked.png');
  await page.getByRole('button', { name: 'Close' }).click();
  // Download the weights: a safetensors file (8-byte header length, then a JSON header).
  await row.getByTestId('manage-menu').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-weights').click()]);
  expect(download.suggestedFilename()).toBe('tour-model.safetensors');
  const file = path.join(os.tmpdir(), `rl-weights-${Date.now()}.safetensors`);
  await download.saveAs(file);
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  expect(JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'))).toHaveProperty(['fc1.weight']);
  fs.rmSync(file);
  // The download leaves its menu open: close it before opening another row's menu.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('delete-item').filter({ visible: true })).toHaveCount(0);
  // A model nothing uses can be deleted, and the delete undone.
  const spareRow = page.getByTestId(`model-row-${spare}`);
  await spareRow.getByTestId('manage-menu').click();
  await page.getByTestId('delete-item').filter({ visible: true }).click();
  await expect(page.getByTestId('delete-free')).toContainText('Nothing else uses this model');
  await page.getByTestId('delete-confirm').click();
  await expect(spareRow).toBeHidden();
  await page.getByTestId('undo-delete').click();
  await expect(spareRow).toBeVisible();
  await shot(page, 'usability-8-undone.png');
  made.baseline = spare;
});

test('6. a failed import says what is wrong with the chosen file, next to it, and stays', async ({ page }) => {
  test.setTimeout(2 * 60_000);
  await open(page, '#/datasets');
  await page.getByTestId('open-import-dataset').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('import-dataset-submit').click();
  await expect(dialog.getByText('Give the dataset a name.').first()).toBeVisible();
  await dialog.getByRole('textbox', { name: /^Name/ }).fill('holiday pictures');
  await expect(dialog.getByText('Give the dataset a name.')).toHaveCount(0);
  // A file that is not IDX, chosen as the training images; real labels.
  const bad = path.join(os.tmpdir(), 'holiday.jpg');
  fs.writeFileSync(bad, '<!DOCTYPE html><html><body>not an image file</body></html>');
  for (const [label, file] of [['Training images', bad], ['Training labels', path.join(FASHION, 't10k-labels-idx1-ubyte.gz')]] as const) {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), dialog.getByRole('button', { name: `${label}: choose file` }).click()]);
    await chooser.setFiles(file);
  }
  await dialog.getByTestId('import-dataset-submit').click();
  const problem = dialog.getByTestId('import-problem');
  await expect(problem).toContainText('“holiday.jpg”');
  await expect(problem).toContainText('not an IDX file');
  const summary = problem.getByTestId('error-summary');
  await expect(summary).not.toContainText('uploads');
  await expect(summary).not.toContainText(/0x[0-9a-f]|two zero bytes/);
  await expect(dialog.getByText(/The file you chose as training images/).first()).toBeVisible();
  // It is not a notification that closes by itself (those left within ~15 s): it sits in the form.
  await expect(page.locator('.mantine-Notification-root').filter({ hasText: 'IDX' })).toHaveCount(0);
  await page.waitForTimeout(1000);
  await expect(problem).toBeVisible();
  await problem.getByRole('button', { name: 'Details' }).click();
  await expect(problem.getByTestId('error-detail')).toContainText('holiday.jpg');
  await shot(page, 'usability-6-import-error.png');
  fs.rmSync(bad);
});

test('3. the AutoAttack headline counts the broken images among the correct ones', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  const run = await api<{ id: string }>('submitEval', {
    kind: 'eval',
    name: 'usability autoattack',
    model: made.tourModel,
    dataset: 'mnist-digits',
    attack: { name: 'autoattack', params: { eps: 0.1, steps: 10, targetClasses: 2, squareQueries: 50 } },
    limit: 100,
  });
  expect((await waitRun(run.id)).run.status).toBe('finished');
  await open(page, `#/runs/${run.id}`);
  const headline = page.getByTestId('report-headline');
  await expect(headline).toContainText(/(\d+ of the \d+|All \d+|None of the \d+) images? classified correctly (was|were) broken/);
  await expect(headline).not.toContainText('Most images were broken');
  // The counts agree with the report's own numbers.
  const ev = (await api<{ evaluations: { cleanAccuracy: number; robustAccuracy: number; count: number }[] }>('getRun', { runId: run.id })).evaluations[0]!;
  const text = (await headline.textContent())!;
  const m = /(\d+) of the (\d+) images classified correctly/.exec(text);
  if (m) {
    expect(Number(m[2])).toBe(Math.round(ev.cleanAccuracy * ev.count));
    expect(Number(m[1])).toBe(Math.round((ev.cleanAccuracy - ev.robustAccuracy) * ev.count));
  }
  await shot(page, 'usability-3-autoattack-headline.png');
});

test('10. reports name classes: Fashion-MNIST says "Bag", not "8"', async ({ page }) => {
  test.setTimeout(3 * 60_000);
  test.skip(!fs.existsSync(path.join(FASHION, 't10k-labels-idx1-ubyte.gz')), 'Debian package dataset-fashion-mnist is not installed');
  // Import the test split through the page, as a person would (no class names typed).
  await open(page, '#/datasets');
  await page.getByTestId('open-import-dataset').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: /^Name/ }).fill('fashion test');
  for (const [label, file] of [['Test images', 't10k-images-idx3-ubyte.gz'], ['Test labels', 't10k-labels-idx1-ubyte.gz']] as const) {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), dialog.getByRole('button', { name: `${label}: choose file` }).click()]);
    await chooser.setFiles(path.join(FASHION, file));
  }
  await dialog.getByTestId('import-dataset-submit').click();
  await expect(page.getByTestId('dataset-row-fashion test')).toBeVisible({ timeout: 60_000 });
  const ds = (await api<{ id: string; name: string; classNames: string[] }[]>('listDatasets', {})).find((d) => d.name === 'fashion test')!;
  expect(ds.classNames).toContain('Bag');
  const run = await api<{ id: string }>('submitEval', { kind: 'eval', name: 'digits model on fashion', model: made.tourModel, dataset: ds.id, limit: 300 });
  expect((await waitRun(run.id)).run.status).toBe('finished');
  await open(page, `#/runs/${run.id}`);
  const report = page.getByTestId('evaluation-report');
  await expect(report).toContainText(/Worst (class|\d+ classes)/);
  // The worst class is named ("Worst classes: Trouser, Dress, …"), and the names label the charts.
  await expect(report).toContainText(/Worst class(es)?[^:]*: (T-shirt\/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot)/);
  await expect(report).toContainText('Ankle boot');
  await expect(report).not.toContainText(/Worst class(es)?[^:]*: (class )?\d/);
  await shot(page, 'usability-10-class-names.png');

  // A person renames a class on the dataset's page; an empty name is refused next to the form.
  await open(page, `#/datasets/${ds.id}`);
  await page.getByTestId('name-classes').click();
  await expect(page.getByTestId('class-name-8')).toHaveValue('Bag');
  await page.getByTestId('class-name-8').fill('');
  await page.getByTestId('class-names-save').click();
  await expect(page.getByTestId('class-names-error')).toContainText('Class names must not be empty.');
  await page.getByTestId('class-name-8').fill('Handbag');
  await shot(page, 'usability-10-name-classes.png');
  await page.getByTestId('class-names-save').click();
  await expect(page.getByText('Class names saved')).toBeVisible();
  const renamed = (await api<{ name: string; classNames: string[] }[]>('listDatasets', {})).find((d) => d.name === 'fashion test')!;
  expect(renamed.classNames[8]).toBe('Handbag');
  expect(renamed.classNames[9]).toBe('Ankle boot');
});

test('5. benchmark numbers explained against the named baseline and clean reference; HTML and CSV export', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  const run = await api<{ id: string }>('submitEval', {
    kind: 'eval',
    name: 'usability benchmark',
    model: made.tourModel,
    dataset: made.fogged!.id,
    benchmark: 'corruptions',
    corruptions: ['gaussian_noise', 'contrast'],
    severities: [1, 3, 5],
    baselineModel: made.baseline,
    limit: 200,
  });
  expect((await waitRun(run.id)).run.status).toBe('finished');
  await open(page, `#/runs/${run.id}`);
  const report = page.getByTestId('benchmark-report');
  await expect(report.getByTestId('bench-line-clean')).toContainText('itself a corrupted copy of “mnist-digits”');
  await expect(report.getByTestId('bench-line-mce')).toContainText('spare model');
  await expect(report.getByTestId('bench-line-relative-mce')).toContainText('spare model');
  await expect(report.getByTestId('benchmark-sentence')).toContainText('baseline “spare model”');
  const [csv] = await Promise.all([page.waitForEvent('download'), report.getByTestId('export-csv').click()]);
  const csvText = fs.readFileSync((await csv.path())!, 'utf8');
  expect(csvText).toMatch(/^section,item,field,value/);
  expect(csvText).toMatch(/summary,all,mce,/);
  expect(csvText).toMatch(/accuracy,contrast,severity_5,/);
  const [html] = await Promise.all([page.waitForEvent('download'), report.getByTestId('export-html').click()]);
  const htmlText = fs.readFileSync((await html.path())!, 'utf8');
  expect(htmlText).toContain('What the numbers mean');
  expect(htmlText).not.toMatch(/<script/i);
  await shot(page, 'usability-5-benchmark.png');
});

test('2. "Continue training" is offered only when there is a checkpoint; otherwise the reason is shown', async ({ page }) => {
  test.setTimeout(2 * 60_000);
  const run = await api<{ id: string }>('submitTrain', { ...TINY, name: 'cancelled at once', epochs: 5, limit: 2000 });
  await api('cancelRun', { runId: run.id });
  expect((await waitRun(run.id)).run.status).toBe('cancelled');
  await open(page, `#/runs/${run.id}`);
  await expect(page.getByTestId('run-title')).toHaveText('cancelled at once');
  await expect(page.getByTestId('resume-unavailable')).toContainText('no checkpoint to resume from');
  await expect(page.getByTestId('resume-training')).toHaveCount(0);
  await shot(page, 'usability-2-no-checkpoint.png');
});

test('1. a link that names a dataset or model selects it or says why it cannot', async ({ page }) => {
  test.setTimeout(2 * 60_000);
  const fog = made.fogged!;
  // The dataset page of a test-only dataset says so where the Train button would be.
  await open(page, `#/datasets/${fog.id}`);
  const note = page.getByTestId('no-train-split');
  await expect(note).toContainText('has only test images');
  await expect(note.getByTestId('train-on-parent')).toContainText('mnist-digits');
  await expect(page.getByRole('link', { name: 'Train on this dataset' })).toHaveCount(0);
  await shot(page, 'usability-1-dataset-no-train.png');
  // "Train on it" style links that name it: the Train page says why it cannot, not silently another dataset.
  await page.goto(lab.url().replace(/#.*$/, '') + `#/train?dataset=${fog.id}`);
  await expect(page.getByTestId('no-train-split')).toContainText(`“${fog.name}” has only test images`);
  await shot(page, 'usability-1-train-link.png');
  // Evaluate: the address picks the model, also when it changes while the page is open.
  const models = await api<{ id: string; name: string }[]>('listModels', {});
  const spare = models.find((m) => m.id === made.baseline)!;
  await page.goto(lab.url().replace(/#.*$/, '') + `#/evaluate?model=${made.tourModel}`);
  await expect(page.getByTestId('eval-model')).toHaveValue(made.tourModel!);
  await page.evaluate((id) => (window.location.hash = `#/evaluate?model=${id}`), spare.id);
  await expect(page.getByTestId('eval-model')).toHaveValue(spare.id);
  expect(page.url()).toContain(`model=${spare.id}`);
  await page.evaluate(() => (window.location.hash = '#/evaluate?model=no-such-model'));
  await expect(page.getByTestId('missing-model')).toContainText('No model “no-such-model” in this lab');
  await shot(page, 'usability-1-evaluate-missing-model.png');
});

test('4. eps out of range is refused with a message, not clamped; the explanation is truthful at large eps', async ({ page }) => {
  test.setTimeout(2 * 60_000);
  await open(page, `#/evaluate?model=${made.tourModel}&dataset=mnist-digits`);
  await page.getByTestId('eval-eps').getByText('Other').click();
  const other = page.getByTestId('eval-eps-other');
  await other.fill('5');
  await other.blur();
  await expect(other).toHaveValue('5');
  await expect(page.getByText(/eps 5 is too large/).first()).toBeVisible();
  await expect(page.getByTestId('eps-explained')).toHaveCount(0);
  const before = (await api<unknown[]>('listRuns', {})).length;
  await page.getByTestId('start-eval').click();
  await expect(page.getByTestId('eval-problem')).toContainText('eps 5 is too large');
  expect((await api<unknown[]>('listRuns', {})).length).toBe(before);
  await shot(page, 'usability-4-eps-refused.png');
  await other.fill('0.5');
  await expect(page.getByTestId('eps-explained')).toContainText('plain grey');
  await expect(page.getByTestId('eps-explained')).not.toContainText('keeps its meaning');
  await other.fill('1');
  await expect(page.getByTestId('eps-explained')).toContainText('any image can be replaced by any other');
});

test('11. every page passes an axe-core WCAG 2 AA audit in both themes', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  const runs = await api<{ id: string; kind: string }[]>('listRuns', {});
  // Every page, and the run page of each kind of run made above (a report, a benchmark, a training run).
  const byName = (n: string) => runs.find((r) => (r as { name?: string }).name === n);
  const runPages = ['usability autoattack', 'usability benchmark', 'spare model'].map(byName).filter(Boolean).map((r) => `#/runs/${r!.id}`);
  const pages = ['#/datasets', '#/corruptions', '#/corruptions?tab=benchmark', '#/train', '#/runs', ...runPages, '#/evaluate', '#/models'];
  const failures: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await open(page, '#/datasets');
    await page.evaluate((s) => localStorage.setItem('robustlab-color-scheme', s), scheme);
    for (const hash of pages) {
      await page.goto(lab.url().replace(/#.*$/, '') + hash);
      await expect(page.locator('main h1').first()).toBeVisible({ timeout: 20_000 });
      await page.waitForTimeout(700);
      const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      for (const v of result.violations) {
        failures.push(`${scheme} ${hash}: ${v.id} (${v.nodes.length}) ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} ${n.html.slice(0, 160)} ${n.any[0]?.message ?? ''}`).join(' | ')}`);
      }
    }
    await shot(page, `usability-11-${scheme}-models.png`);
  }
  expect(failures).toEqual([]);
});
