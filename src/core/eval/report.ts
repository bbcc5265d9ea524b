/**
 * Exports of an evaluation: a long-format CSV (section, item, field, value: one number per row,
 * easy to pivot in a spreadsheet or pandas) and a self-contained HTML report (inline CSS, charts
 * as inline SVG, images as data: URIs, no script and no external resource) with a plain-language
 * summary.
 */
import type { EvaluationInfo, EvaluationReport } from '../../shared/schemas';
import { formatPercent } from '../../shared/format';
import { classLabel, formatEps, pct, summarySentence } from '../../shared/report-text';
import { pngDataUri } from './png';

export interface ReportMeta {
  modelName?: string;
  datasetName?: string;
  runName?: string;
  backend?: string | null;
  device?: string | null;
  /** When the report was generated (default: now). */
  generatedAt?: string;
}

/** The evaluation's report, filling what older evaluations (before the report existed) lack. */
export function evaluationReport(ev: EvaluationInfo): EvaluationReport {
  const d = ev.details as Partial<EvaluationReport>;
  if (d && d.version === 1) return d as EvaluationReport;
  const perClass = ((d?.perClass as EvaluationReport['perClass'] | undefined) ?? []).map((p) => ({ ...p, cleanCorrect: p.cleanCorrect ?? 0, robustCorrect: p.robustCorrect ?? null }));
  const radius = (d?.radius as EvaluationReport['radius']) ?? null;
  const empty = { ece: NaN, count: 0, bins: [] };
  return {
    version: 1,
    attack: { name: ev.attack.name, title: ev.attack.name, params: ev.attack.params, kind: ev.attack.name === 'none' ? 'none' : 'bounded', blackBox: false, norm: radius?.norm ?? null, eps: radius?.eps ?? null },
    count: ev.count,
    numClasses: perClass.length,
    classNames: perClass.map((p) => p.name),
    cleanAccuracy: ev.cleanAccuracy,
    robustAccuracy: ev.robustAccuracy,
    perClass,
    worstClass: { clean: null, robust: null },
    confusion: { clean: [], adversarial: null },
    epsCurve: null,
    minimal: null,
    stages: null,
    targeted: null,
    calibration: { bins: 15, clean: empty, adversarial: null },
    cost: { seconds: (d?.seconds as number) ?? 0, attackSeconds: 0, curveSeconds: 0, checkSeconds: 0, secondsPerPoint: 0, gradEvalsPerPoint: (d?.gradEvalsPerPoint as number) ?? 0, queriesPerPoint: 0 },
    checks: { ran: [], warnings: [], measurements: {} },
    gallery: { height: 0, width: 0, channels: 0, items: [] },
    gradEvalsPerPoint: (d?.gradEvalsPerPoint as number) ?? 0,
    seconds: (d?.seconds as number) ?? 0,
    radius,
  };
}

// --------------------------------------------------------------------------------------- text
export { formatEps, summarySentence };

// ---------------------------------------------------------------------------------------- CSV
export function csvCell(v: unknown): string {
  const s = v == null ? '' : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per number: section, item, field, value. */
export function reportToCsv(ev: EvaluationInfo): string {
  const r = evaluationReport(ev);
  const rows: unknown[][] = [['section', 'item', 'field', 'value']];
  const add = (section: string, item: unknown, field: string, value: unknown) => rows.push([section, item, field, value]);
  add('summary', 'evaluation', 'id', ev.id);
  add('summary', 'evaluation', 'model_id', ev.modelId);
  add('summary', 'evaluation', 'dataset_id', ev.datasetId);
  add('summary', 'evaluation', 'split', ev.split);
  add('summary', 'evaluation', 'created_at', ev.createdAt);
  add('summary', 'attack', 'name', r.attack.name);
  add('summary', 'attack', 'kind', r.attack.kind);
  add('summary', 'attack', 'norm', r.attack.norm);
  add('summary', 'attack', 'eps', r.attack.eps);
  for (const [k, v] of Object.entries(r.attack.params)) add('attack_param', k, 'value', v);
  add('summary', 'all', 'count', r.count);
  add('summary', 'all', 'clean_accuracy', r.cleanAccuracy);
  add('summary', 'all', 'robust_accuracy', r.robustAccuracy);
  add('summary', 'all', 'ece_clean', r.calibration.clean.ece);
  add('summary', 'all', 'ece_adversarial', r.calibration.adversarial?.ece);
  add('summary', `worst_class_clean=${r.worstClass.clean?.name ?? ''}`, 'accuracy', r.worstClass.clean?.accuracy);
  add('summary', `worst_class_robust=${r.worstClass.robust?.name ?? ''}`, 'accuracy', r.worstClass.robust?.accuracy);
  add('summary', 'all', 'median_perturbation', r.minimal?.median);
  add('summary', 'all', 'target_success_rate', r.targeted?.successRate);
  add('cost', 'all', 'seconds', r.cost.seconds);
  add('cost', 'all', 'attack_seconds', r.cost.attackSeconds);
  add('cost', 'all', 'seconds_per_point', r.cost.secondsPerPoint);
  add('cost', 'all', 'grad_evals_per_point', r.cost.gradEvalsPerPoint);
  add('cost', 'all', 'queries_per_point', r.cost.queriesPerPoint);
  for (const p of r.perClass) {
    add('per_class', p.name, 'count', p.count);
    add('per_class', p.name, 'clean_accuracy', p.cleanAccuracy);
    add('per_class', p.name, 'robust_accuracy', p.robustAccuracy);
  }
  for (const p of r.epsCurve?.points ?? []) add(`eps_curve_${r.epsCurve!.source}`, p.eps, 'robust_accuracy', p.robustAccuracy);
  for (const s of r.stages ?? []) {
    add('stage', s.name, 'ran', s.ran);
    add('stage', s.name, 'broke', s.broke);
    add('stage', s.name, 'robust_accuracy_after', s.robustAccuracyAfter);
    add('stage', s.name, 'seconds', s.seconds);
    add('stage', s.name, 'grad_evals_per_point', s.gradEvalsPerPoint);
    add('stage', s.name, 'queries_per_point', s.queriesPerPoint);
    if (s.skipped) add('stage', s.name, 'skipped', s.skipped);
  }
  for (const [which, cal] of [['clean', r.calibration.clean], ['adversarial', r.calibration.adversarial]] as const) {
    if (!cal) continue;
    cal.bins.forEach((b) => {
      const item = `${b.lo.toFixed(4)}-${b.hi.toFixed(4)}`;
      add(`calibration_${which}`, item, 'count', b.count);
      add(`calibration_${which}`, item, 'confidence', b.confidence);
      add(`calibration_${which}`, item, 'accuracy', b.accuracy);
    });
  }
  for (const [which, m] of [['clean', r.confusion.clean], ['adversarial', r.confusion.adversarial]] as const) {
    m?.forEach((row, t) => row.forEach((v, p) => add(`confusion_${which}`, `true=${r.classNames[t] ?? t}`, `predicted=${r.classNames[p] ?? p}`, v)));
  }
  for (const w of r.checks.warnings) add('warning', w.code, 'message', w.message);
  for (const [k, v] of Object.entries(r.checks.measurements)) add('check', k, 'value', v);
  r.minimal?.perPoint.forEach((v, i) => add('minimal_perturbation', i, r.minimal!.norm, v ?? 'none found'));
  return rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

// --------------------------------------------------------------------------------------- HTML
export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A line chart of robust accuracy against eps. */
function curveSvg(points: { eps: number; robustAccuracy: number }[], clean: number, xLabel: string): string {
  const W = 520;
  const H = 260;
  const L = 48;
  const B = 40;
  const T = 12;
  const R = 12;
  const maxX = Math.max(1e-9, ...points.map((p) => p.eps));
  const px = (e: number) => L + (e / maxX) * (W - L - R);
  const py = (a: number) => T + (1 - a) * (H - T - B);
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${px(p.eps).toFixed(1)},${py(p.robustAccuracy).toFixed(1)}`).join(' ');
  const ticksY = [0, 0.25, 0.5, 0.75, 1].map((a) => `<line x1="${L}" x2="${W - R}" y1="${py(a)}" y2="${py(a)}" class="grid"/><text x="${L - 6}" y="${py(a) + 4}" text-anchor="end">${a * 100}%</text>`).join('');
  const ticksX = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${px(f * maxX)}" y="${H - B + 16}" text-anchor="middle">${formatEps(f * maxX)}</text>`).join('');
  const dots = points.map((p) => `<circle cx="${px(p.eps).toFixed(1)}" cy="${py(p.robustAccuracy).toFixed(1)}" r="3"><title>eps ${formatEps(p.eps)}: ${pct(p.robustAccuracy, 1)}</title></circle>`).join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Robust accuracy against eps">${ticksY}${ticksX}
<line x1="${L}" x2="${W - R}" y1="${py(clean)}" y2="${py(clean)}" class="clean"/><text x="${W - R}" y="${py(clean) - 4}" text-anchor="end" class="cleanlabel">clean ${pct(clean, 1)}</text>
<path d="${path}" class="line"/>${dots}<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text></svg>`;
}

/** A reliability diagram: accuracy per confidence bin against the diagonal. */
function reliabilitySvg(cal: EvaluationReport['calibration']['clean'], title: string): string {
  const S = 220;
  const L = 36;
  const B = 30;
  const T = 8;
  const inner = S - L - 8;
  const px = (c: number) => L + c * inner;
  const py = (a: number) => T + (1 - a) * (S - T - B);
  const bars = cal.bins
    .filter((b) => b.count > 0)
    .map((b) => `<rect x="${px(b.lo) + 1}" y="${py(b.accuracy!)}" width="${Math.max(1, px(b.hi) - px(b.lo) - 2)}" height="${py(0) - py(b.accuracy!)}" class="rbar"><title>confidence ${b.lo.toFixed(2)}–${b.hi.toFixed(2)}: ${b.count} images, accuracy ${pct(b.accuracy, 1)}, mean confidence ${pct(b.confidence, 1)}</title></rect>`)
    .join('');
  return `<figure><svg viewBox="0 0 ${S} ${S}" width="${S}" height="${S}" role="img" aria-label="${esc(title)}">
<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" class="diag"/>${bars}
<line x1="${L}" x2="${px(1)}" y1="${py(0)}" y2="${py(0)}" class="axis"/><line x1="${L}" x2="${L}" y1="${py(0)}" y2="${py(1)}" class="axis"/>
<text x="${L - 4}" y="${py(1) + 4}" text-anchor="end">100%</text><text x="${L - 4}" y="${py(0)}" text-anchor="end">0</text>
<text x="${(L + px(1)) / 2}" y="${S - 6}" text-anchor="middle">confidence</text></svg>
<figcaption>${esc(title)}: ECE ${formatPercent(cal.ece, 2)}</figcaption></figure>`;
}

function confusionTable(m: number[][], names: string[], caption: string): string {
  const max = Math.max(1, ...m.flat());
  const head = `<tr><th>true ↓ / predicted →</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr>`;
  const body = m
    .map((row, t) => `<tr><th>${esc(names[t] ?? t)}</th>${row.map((v, p) => `<td style="background:rgba(${t === p ? '46,125,50' : '198,40,40'},${(v / max) * 0.85 + (v ? 0.08 : 0)})">${v || ''}</td>`).join('')}</tr>`)
    .join('');
  return `<table class="confusion"><caption>${esc(caption)}</caption>${head}${body}</table>`;
}

function bar(v: number | null | undefined, cls = ''): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return `<span class="bar ${cls}"><span style="width:${(v * 100).toFixed(1)}%"></span></span> ${pct(v, 1)}`;
}

const CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;max-width:1000px;margin:24px auto;padding:0 16px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.sub{color:#59636e;margin:0 0 16px}.summary{font-size:19px;background:#f6f8fa;border-left:4px solid #0969da;padding:12px 16px;margin:16px 0}
.kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{border:1px solid #d0d7de;border-radius:8px;padding:8px 14px;min-width:130px}.kpi b{display:block;font-size:22px}
.warn{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px;margin:8px 0}.warn code{font-weight:600}
.ok{background:#dafbe1;border:1px solid #4ac26b;border-radius:6px;padding:8px 12px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:right}th{background:#f6f8fa}td.l,th.l{text-align:left}
table.confusion td{min-width:28px;text-align:center;font-variant-numeric:tabular-nums}
.bar{display:inline-block;width:120px;height:10px;background:#eaeef2;border-radius:5px;vertical-align:middle;overflow:hidden}.bar span{display:block;height:100%;background:#0969da}.bar.r span{background:#cf222e}
svg{font-size:11px;fill:#59636e}svg .grid{stroke:#eaeef2}svg .line{fill:none;stroke:#cf222e;stroke-width:2}svg circle{fill:#cf222e}svg .clean{stroke:#0969da;stroke-dasharray:4 3}svg .cleanlabel{fill:#0969da}
svg .diag{stroke:#8c959f;stroke-dasharray:4 3}svg .rbar{fill:#0969da;opacity:.8}svg .axis{stroke:#8c959f}
figure{display:inline-block;margin:0 16px 8px 0}figcaption{text-align:center;color:#59636e}
.gallery{display:flex;flex-wrap:wrap;gap:12px}.item{border:1px solid #d0d7de;border-radius:8px;padding:8px;font-size:12px}
.item img{width:84px;height:84px;image-rendering:pixelated;border:1px solid #d0d7de;margin-right:4px}.item .lab{color:#59636e}.broken{color:#cf222e;font-weight:600}
footer{color:#59636e;font-size:12px;margin:32px 0}.scroll{overflow-x:auto}.scroll td,.scroll th{white-space:nowrap}`;

/** A self-contained HTML report of one evaluation. */
export function reportToHtml(ev: EvaluationInfo, meta: ReportMeta = {}): string {
  const r = evaluationReport(ev);
  const title = `Robustness report — ${meta.modelName ?? ev.modelId} on ${meta.datasetName ?? ev.datasetId}`;
  const parts: string[] = [];
  parts.push(`<h1>${esc(title)}</h1><p class="sub">${esc(r.attack.title)} · ${r.count.toLocaleString('en-US')} ${esc(ev.split)} images · evaluation ${esc(ev.id)}${meta.runName ? ` · run ${esc(meta.runName)}` : ''}</p>`);
  parts.push(`<p class="summary">${esc(summarySentence(r, ev.split))}</p>`);
  const kpis: [string, string][] = [['Clean accuracy', pct(r.cleanAccuracy, 1)]];
  if (r.robustAccuracy != null) kpis.push([`Robust accuracy${r.attack.eps != null ? ` (eps ${formatEps(r.attack.eps)})` : ''}`, pct(r.robustAccuracy, 1)]);
  if (r.minimal?.median != null) kpis.push([`Median smallest change (${r.minimal.norm === 'linf' ? 'L∞' : 'L2'})`, formatEps(r.minimal.median)]);
  if (r.worstClass.robust) kpis.push([`Worst class under attack`, `${esc(classLabel(r.worstClass.robust.name))}: ${pct(r.worstClass.robust.accuracy, 1)}`]);
  else if (r.worstClass.clean) kpis.push([`Worst class`, `${esc(classLabel(r.worstClass.clean.name))}: ${pct(r.worstClass.clean.accuracy, 1)}`]);
  kpis.push(['Calibration error (ECE), clean', formatPercent(r.calibration.clean.ece, 2)]);
  if (r.targeted) kpis.push(['Target reached', pct(r.targeted.successRate, 1)]);
  parts.push(`<div class="kpis">${kpis.map(([k, v]) => `<div class="kpi">${esc(k)}<b>${v}</b></div>`).join('')}</div>`);

  parts.push(`<h2>Checks for misleading gradients</h2>`);
  if (!r.checks.ran.length) parts.push(`<p>No gradient-masking checks were run for this evaluation.</p>`);
  else if (!r.checks.warnings.length) parts.push(`<p class="ok">No sign of gradient masking in the checks that ran (${esc(r.checks.ran.join(', '))}).</p>`);
  for (const w of r.checks.warnings) parts.push(`<div class="warn"><code>${esc(w.code)}</code> — ${esc(w.message)}</div>`);

  if (r.epsCurve?.points.length) {
    const unit = r.epsCurve.norm === 'linf' ? 'eps (largest change per pixel, 0–1)' : 'eps (L2 length of the change)';
    parts.push(`<h2>Accuracy as the allowed change grows</h2>${curveSvg(r.epsCurve.points, r.cleanAccuracy, unit)}`);
    parts.push(`<div class="scroll"><table><tr><th>eps</th>${r.epsCurve.points.map((p) => `<th>${formatEps(p.eps)}</th>`).join('')}</tr><tr><th>robust accuracy</th>${r.epsCurve.points.map((p) => `<td>${pct(p.robustAccuracy, 1)}</td>`).join('')}</tr></table></div>`);
  }
  if (r.stages?.length) {
    parts.push(`<h2>Which attack broke which images</h2><table><tr><th class="l">member</th><th>ran on</th><th>broke</th><th>robust accuracy after</th><th>seconds</th><th>of which in the model</th><th>gradients / image</th><th>queries / image</th></tr>${r.stages
      .map((s) => `<tr><td class="l">${esc(s.title)}${s.skipped ? ` <em>(skipped: ${esc(s.skipped)})</em>` : ''}</td><td>${s.ran}</td><td>${s.broke}</td><td>${bar(s.robustAccuracyAfter, 'r')}</td><td>${s.seconds.toFixed(1)}</td><td>${s.modelSeconds != null && s.seconds > 0 ? `${s.modelSeconds.toFixed(1)} (${Math.round((100 * s.modelSeconds) / s.seconds)} %)` : '—'}</td><td>${s.gradEvalsPerPoint.toFixed(1)}</td><td>${s.queriesPerPoint.toFixed(1)}</td></tr>`)
      .join('')}</table>`);
  }
  if (r.perClass.length) {
    parts.push(`<h2>Per class</h2><table><tr><th class="l">class</th><th>images</th><th>clean accuracy</th>${r.robustAccuracy != null ? '<th>robust accuracy</th>' : ''}</tr>${r.perClass
      .map((p) => `<tr><td class="l">${esc(p.name)}</td><td>${p.count}</td><td>${bar(p.cleanAccuracy)}</td>${r.robustAccuracy != null ? `<td>${bar(p.robustAccuracy, 'r')}</td>` : ''}</tr>`)
      .join('')}</table>`);
  }
  if (r.confusion.adversarial?.length) parts.push(`<h2>Confusions under attack</h2>${confusionTable(r.confusion.adversarial, r.classNames, 'Counts of true class (rows) against the class predicted on the adversarial image (columns)')}`);
  else if (r.confusion.clean.length) parts.push(`<h2>Confusions</h2>${confusionTable(r.confusion.clean, r.classNames, 'Counts of true class (rows) against the predicted class (columns)')}`);
  if (r.calibration.clean.count) {
    parts.push(`<h2>Is the model’s confidence trustworthy?</h2><p>Bars show how often the model is right among images where it had a given confidence; a calibrated model’s bars follow the dashed diagonal. The expected calibration error (ECE) is the average gap, over ${r.calibration.bins} bins.</p>`);
    parts.push(reliabilitySvg(r.calibration.clean, 'Clean images'));
    if (r.calibration.adversarial) parts.push(reliabilitySvg(r.calibration.adversarial, 'Adversarial images'));
  }
  if (r.gallery.items.length) {
    const { height: h, width: w, channels: c } = r.gallery;
    const name = (k: number) => esc(r.classNames[k] ?? k);
    parts.push(`<h2>Examples</h2><p>Each example: the clean image, the attacked image, and the change between them made visible (grey = unchanged; amplified).</p><div class="gallery">${r.gallery.items
      .map(
        (g) => `<div class="item"><img src="${pngDataUri(g.clean, h, w, c)}" alt="clean image ${g.index}"><img src="${pngDataUri(g.adversarial, h, w, c)}" alt="attacked image ${g.index}"><img src="${pngDataUri(g.perturbation, h, w, c)}" alt="change ×${g.amplification.toFixed(1)}">
<div>true <b>${name(g.label)}</b> · clean → <b>${name(g.cleanPred)}</b> (${pct(g.cleanConfidence)}) · attacked → <b class="${g.broken ? 'broken' : ''}">${name(g.advPred)}</b> (${pct(g.advConfidence)})</div>
<div class="lab">image ${g.index} · change L∞ ${formatEps(g.linf)}, L2 ${g.l2.toFixed(3)} · shown ×${g.amplification.toFixed(1)}</div></div>`,
      )
      .join('')}</div>`);
  }
  parts.push(`<h2>Cost</h2><table><tr><th class="l">total time</th><td>${r.cost.seconds.toFixed(1)} s</td></tr><tr><th class="l">attack time</th><td>${r.cost.attackSeconds.toFixed(1)} s (${(r.cost.secondsPerPoint * 1000).toFixed(1)} ms per image)</td></tr>${r.cost.curveSeconds ? `<tr><th class="l">eps-grid runs</th><td>${r.cost.curveSeconds.toFixed(1)} s</td></tr>` : ''}${r.cost.checkSeconds ? `<tr><th class="l">checks</th><td>${r.cost.checkSeconds.toFixed(1)} s</td></tr>` : ''}<tr><th class="l">gradient evaluations per image</th><td>${r.cost.gradEvalsPerPoint.toFixed(1)}</td></tr><tr><th class="l">forward-only queries per image</th><td>${r.cost.queriesPerPoint.toFixed(1)}</td></tr></table>`);
  parts.push(`<h2>Settings</h2><table>${Object.entries(r.attack.params)
    .map(([k, v]) => `<tr><th class="l">${esc(k)}</th><td class="l">${esc(v)}</td></tr>`)
    .join('')}<tr><th class="l">model</th><td class="l">${esc(meta.modelName ?? '')} (${esc(ev.modelId)})</td></tr><tr><th class="l">dataset</th><td class="l">${esc(meta.datasetName ?? '')} (${esc(ev.datasetId)}), ${esc(ev.split)} split</td></tr>${meta.backend ? `<tr><th class="l">compute</th><td class="l">${esc(meta.backend)}${meta.device ? ` — ${esc(meta.device)}` : ''}</td></tr>` : ''}<tr><th class="l">evaluated</th><td class="l">${esc(ev.createdAt)}</td></tr></table>`);
  parts.push(`<footer>Generated by Robustness Lab on ${esc(meta.generatedAt ?? new Date().toISOString())}. Images are float pixels on the 0–1 scale; eps is in the same units.</footer>`);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head><body>${parts.join('\n')}</body></html>\n`;
}

/** A file name for an export: robustness-<model>-<attack>-<id>.<ext>. */
export function exportFilename(ev: EvaluationInfo, format: 'csv' | 'html', modelName?: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'model';
  return `robustness-${safe(modelName ?? ev.modelId)}-${safe(ev.attack.name)}-${ev.id.slice(-6)}.${format}`;
}
