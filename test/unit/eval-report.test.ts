/**
 * The evaluation report: per-class and confusion counts that add up, robustness curves, the
 * AutoAttack breakdown, minimal-perturbation statistics, the gallery, and the CSV and
 * self-contained HTML exports with their plain-language summary.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { inflateSync } from 'node:zlib';
import { initEngine } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import { resolveAttack } from '../../src/core/attacks/registry';
import { EvaluationSuite } from '../../src/core/eval/suite';
import { formatEps, reportToCsv, reportToHtml, summarySentence } from '../../src/core/eval/report';
import { encodePng } from '../../src/core/eval/png';
import type { EvaluationInfo, EvaluationReport } from '../../src/shared/schemas';
import { linearModel, problem, tensors, type LinearProblem } from '../helpers/linear';

beforeAll(async () => {
  await initEngine({ force: 'cpu' });
});

const CLASSES = ['zero', 'one', 'two', 'three', 'four'];

async function evaluate(p: LinearProblem, name: string, params: Record<string, unknown>, extra: { epsGrid?: number[]; gallery?: number } = {}): Promise<EvaluationReport> {
  const { model, dispose } = linearModel(p.w, p.b, p.k);
  const { attack, params: full } = resolveAttack({ name, params: params as never }, p.k);
  const suite = new EvaluationSuite(model, attack, full, {
    attackName: name,
    numClasses: p.k,
    classNames: CLASSES,
    epsGrid: extra.epsGrid,
    gallery: extra.gallery ?? 4,
    checks: { masking: true, unbounded: false, blackBox: false },
  });
  // Two batches, as the evaluation job runs them.
  const half = Math.floor(p.n / 2);
  for (const [start, end] of [[0, half], [half, p.n]]) {
    const part: LinearProblem = { ...p, n: end - start, x: p.x.slice(start * 16, end * 16), y: p.y.slice(start, end) };
    const { xt, yt, dispose: d2 } = tensors(part);
    await suite.batch(xt, yt, part.y, start, new Rng(start + 1), async () => {});
    d2();
  }
  dispose();
  return suite.report(1.5);
}

function info(r: EvaluationReport): EvaluationInfo {
  return { id: 'ev_test123456', runId: null, modelId: 'm_1', datasetId: 'ds_1', split: 'test', attack: { name: r.attack.name, params: r.attack.params }, count: r.count, cleanAccuracy: r.cleanAccuracy, robustAccuracy: r.robustAccuracy, details: r as never, createdAt: '2025-01-01T00:00:00.000Z' };
}

/** A small CSV reader (quoted cells with doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  return rows;
}

describe('evaluation report', () => {
  // Labels that are not all the model's own predictions, so clean mistakes exist.
  const p = problem(41, 120, 5, 0.2, 0.8);
  for (let i = 0; i < p.n; i += 10) p.y[i] = (p.y[i] + 1) % 5;

  it('counts add up: per class, confusion matrices, calibration; the eps-grid curve falls and agrees with the main run', async () => {
    const r = await evaluate(p, 'pgd', { eps: 0.15, steps: 10 }, { epsGrid: [0.25, 0.05, 0.15] });
    expect(r.version).toBe(1);
    expect(r.count).toBe(120);
    expect(r.perClass.reduce((s, c) => s + c.count, 0)).toBe(120);
    expect(r.perClass.map((c) => c.name)).toEqual(CLASSES);
    const robust = r.perClass.reduce((s, c) => s + c.robustCorrect!, 0);
    expect(robust / 120).toBeCloseTo(r.robustAccuracy!, 12);
    expect(r.cleanAccuracy).toBeCloseTo(108 / 120, 12);
    // Rows of both confusion matrices are the per-class counts; the diagonals are the correct ones.
    r.confusion.clean.forEach((row, t) => expect(row.reduce((a, b) => a + b, 0)).toBe(r.perClass[t].count));
    r.confusion.adversarial!.forEach((row, t) => expect(row.reduce((a, b) => a + b, 0)).toBe(r.perClass[t].count));
    expect(r.confusion.clean.reduce((s, row, t) => s + row[t], 0)).toBe(108);
    expect(r.confusion.adversarial!.reduce((s, row, t) => s + row[t], 0)).toBe(robust);
    const worst = Math.min(...r.perClass.map((c) => c.robustAccuracy!));
    expect(r.worstClass.robust!.accuracy).toBe(worst);
    expect(r.calibration.clean.count).toBe(120);
    expect(r.calibration.adversarial!.count).toBe(120);
    expect(r.calibration.clean.bins).toHaveLength(15);
    for (const c of [r.calibration.clean, r.calibration.adversarial!]) {
      expect(c.ece).toBeGreaterThanOrEqual(0);
      expect(c.ece).toBeLessThanOrEqual(1);
    }
    // The curve: sorted, non-increasing, never above the main run at eps >= its eps.
    const pts = r.epsCurve!.points;
    expect(r.epsCurve!.source).toBe('grid');
    expect(pts.map((q) => q.eps)).toEqual([0.05, 0.15, 0.25]);
    for (let i = 1; i < pts.length; i++) expect(pts[i].robustAccuracy).toBeLessThanOrEqual(pts[i - 1].robustAccuracy);
    expect(pts[1].robustAccuracy).toBeLessThanOrEqual(r.robustAccuracy!);
    expect(pts[0].robustAccuracy).toBeLessThanOrEqual(r.cleanAccuracy);
    expect(r.cost.gradEvalsPerPoint).toBeGreaterThan(0);
    expect(r.checks.warnings).toEqual([]);
    expect(r.checks.ran).toEqual(expect.arrayContaining(['outputs', 'zero-gradients']));
    // Gallery: broken images first, pixels as base64 uint8, the perturbation around mid-grey.
    expect(r.gallery.items).toHaveLength(4);
    expect(r.gallery).toMatchObject({ height: 4, width: 4, channels: 1 });
    for (const g of r.gallery.items) {
      expect(g.broken).toBe(true);
      expect(g.advPred).not.toBe(g.label);
      expect(Buffer.from(g.clean, 'base64')).toHaveLength(16);
      const clean = Buffer.from(g.clean, 'base64');
      const adv = Buffer.from(g.adversarial, 'base64');
      const pert = Buffer.from(g.perturbation, 'base64');
      for (let j = 0; j < 16; j++) {
        expect(Math.abs(adv[j] - clean[j])).toBeLessThanOrEqual(Math.ceil(0.15 * 255) + 1);
        expect(pert[j] === 128 || Math.sign(pert[j] - 128) === Math.sign(adv[j] - clean[j]) || adv[j] === clean[j]).toBe(true);
      }
      expect(g.linf).toBeLessThanOrEqual(0.15 + 1e-6);
    }
  });

  it('AutoAttack: robust accuracy after each member falls to the final robust accuracy', async () => {
    const r = await evaluate(p, 'autoattack', { eps: 0.15, steps: 10, squareQueries: 30 });
    const st = r.stages!;
    expect(st.map((s) => s.name)).toEqual(['apgd-ce', 'apgd-t', 'apgd-dlr', 'square']);
    expect(st[st.length - 1].robustAccuracyAfter).toBeCloseTo(r.robustAccuracy!, 12);
    for (let i = 1; i < st.length; i++) expect(st[i].robustAccuracyAfter).toBeLessThanOrEqual(st[i - 1].robustAccuracyAfter);
    expect(st.reduce((s, x) => s + x.broke, 0)).toBe(Math.round((r.cleanAccuracy - r.robustAccuracy!) * 120));
    expect(st[0].ran).toBe(108);
    expect(st[3].gradEvalsPerPoint).toBe(0);
    expect(r.checks.ran).toContain('blackbox');
  });

  it('minimal attacks: per-image sizes, their median and the curve read off them', async () => {
    const r = await evaluate(p, 'deepfool', { norm: 'l2', eps: 0 });
    const m = r.minimal!;
    expect(m.perPoint).toHaveLength(120);
    // Clean mistakes have size 0; every correct point of a linear model is breakable.
    expect(m.perPoint.filter((v) => v === 0)).toHaveLength(12);
    expect(m.found).toBe(108);
    const sizes = m.perPoint.filter((v): v is number => v !== null && v > 0).sort((a, b) => a - b);
    expect(m.median).toBeCloseTo((sizes[53] + sizes[54]) / 2, 6);
    expect(r.robustAccuracy).toBe(0);
    expect(r.attack.eps).toBeNull();
    expect(r.epsCurve!.source).toBe('minimal');
    const pts = r.epsCurve!.points;
    expect(pts[0]).toEqual({ eps: 0, robustAccuracy: 108 / 120 });
    expect(pts[pts.length - 1].robustAccuracy).toBe(0);
    const mid = pts.find((q) => q.eps >= m.median!)!;
    expect(mid.robustAccuracy).toBeLessThanOrEqual(0.5 * r.cleanAccuracy + 1e-9);
  });

  it('exports a CSV with one number per row and a self-contained HTML report', async () => {
    const r = await evaluate(p, 'autoattack', { eps: 8 / 255, steps: 5, squareQueries: 10 }, { epsGrid: [4 / 255, 8 / 255] });
    const ev = info(r);
    const rows = parseCsv(reportToCsv(ev));
    expect(rows[0]).toEqual(['section', 'item', 'field', 'value']);
    for (const row of rows) expect(row).toHaveLength(4);
    const get = (section: string, item: string, field: string) => rows.find((x) => x[0] === section && x[1] === item && x[2] === field)?.[3];
    expect(Number(get('summary', 'all', 'robust_accuracy'))).toBeCloseTo(r.robustAccuracy!, 12);
    expect(Number(get('per_class', 'two', 'clean_accuracy'))).toBeCloseTo(r.perClass[2].cleanAccuracy!, 12);
    expect(Number(get('stage', 'apgd-t', 'broke'))).toBe(r.stages![1].broke);
    expect(rows.filter((x) => x[0] === 'confusion_adversarial')).toHaveLength(25);
    expect(rows.filter((x) => x[0] === 'calibration_clean' && x[2] === 'count').reduce((s, x) => s + Number(x[3]), 0)).toBe(120);
    expect(rows.filter((x) => x[0] === 'eps_curve_grid')).toHaveLength(2);

    const html = reportToHtml(ev, { modelName: 'lin<5>', datasetName: 'toy', generatedAt: 'now' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
    expect(html).toContain('lin&lt;5&gt;');
    expect(html).toContain(summarySentence(r, 'test').replace(/’/g, '’'));
    expect(html).toMatch(/Under changes too small for a person to see \(eps 8\/255\), accuracy (falls from 90 % to \d+ %|stays at 90 %)/);
    const uris = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((mm) => Buffer.from(mm[1], 'base64'));
    expect(uris.length).toBe(3 * r.gallery.items.length);
    for (const png of uris) {
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.readUInt32BE(16)).toBe(4); // IHDR width
      expect(png.readUInt32BE(20)).toBe(4); // IHDR height
    }
  });
});

describe('report text and images', () => {
  const base = (over: Partial<EvaluationReport>): EvaluationReport =>
    ({ count: 2000, cleanAccuracy: 0.94, robustAccuracy: 0.03, attack: { name: 'pgd', title: 'PGD', params: {}, kind: 'bounded', blackBox: false, norm: 'linf', eps: 8 / 255 }, stages: null, minimal: null, checks: { ran: [], warnings: [], measurements: {} }, ...over }) as EvaluationReport;

  it('says in plain words what the numbers mean', () => {
    expect(summarySentence(base({}))).toBe('Under changes too small for a person to see (eps 8/255), accuracy falls from 94 % to 3 %.');
    expect(summarySentence(base({ attack: { ...base({}).attack, eps: 0.3 } }))).toMatch(/^Under changes a person can clearly see.*\(eps 0.3\), accuracy falls from 94 % to 3 %\.$/);
    expect(summarySentence(base({ attack: { ...base({}).attack, norm: 'l2', eps: 1.5 } }))).toBe('Under changes whose total size (L2 length) is at most 1.5, accuracy falls from 94 % to 3 %.');
    expect(summarySentence(base({ robustAccuracy: null, attack: { ...base({}).attack, kind: 'none' } }))).toBe('The model classifies 94 % of the 2,000 test images correctly (no attack was run).');
    expect(summarySentence(base({ checks: { ran: ['x'], warnings: [{ code: 'zero-gradients', message: '' }], measurements: {} } }))).toMatch(/Warning: one check suggests the attack was misled/);
    expect(formatEps(8 / 255)).toBe('8/255');
    expect(formatEps(0.3)).toBe('0.3');
  });

  it('encodes valid PNGs (greyscale and RGB)', () => {
    const grey = encodePng(Uint8Array.from([0, 255, 128, 7]), 2, 2, 1);
    const idat = grey.indexOf('IDAT');
    const len = grey.readUInt32BE(idat - 4);
    expect([...inflateSync(grey.subarray(idat + 4, idat + 4 + len))]).toEqual([0, 0, 255, 0, 128, 7]);
    const rgb = encodePng(new Uint8Array(12).fill(9), 2, 2, 3);
    expect(rgb[25]).toBe(2); // colour type RGB
  });
});
