/**
 * Exports of a corruption benchmark (an evaluation whose details.benchmark is 'corruptions'), in
 * the same two forms as attack reports: a long-format CSV (section, item, field, value) and a
 * self-contained HTML page (inline CSS, no script, no external resource) with the same sentence
 * and one-line explanations as the report page (src/shared/benchmark-text.ts).
 */
import type { EvaluationInfo } from '../../shared/schemas';
import { benchmarkLines, benchmarkSentence, cleanReference, mean, type BenchmarkContext, type BenchmarkDetails } from '../../shared/benchmark-text';
import { pct } from '../../shared/report-text';
import { csvCell, esc, type ReportMeta } from './report';

export function benchmarkToCsv(ev: EvaluationInfo, b: BenchmarkDetails, ctx: BenchmarkContext = {}): string {
  const rows: unknown[][] = [['section', 'item', 'field', 'value']];
  const add = (section: string, item: unknown, field: string, value: unknown) => rows.push([section, item, field, value]);
  add('summary', 'evaluation', 'id', ev.id);
  add('summary', 'evaluation', 'model_id', ev.modelId);
  add('summary', 'evaluation', 'dataset_id', ev.datasetId);
  add('summary', 'evaluation', 'dataset_name', ctx.datasetName);
  add('summary', 'evaluation', 'split', ev.split);
  add('summary', 'evaluation', 'created_at', ev.createdAt);
  add('summary', 'all', 'count', ev.count);
  add('summary', 'all', 'clean_reference', cleanReference(ev, ctx));
  add('summary', 'all', 'clean_accuracy', ev.cleanAccuracy);
  add('summary', 'all', 'mean_corruption_accuracy', b.meanCorruptionAccuracy);
  add('summary', 'all', 'mce', b.mCE);
  add('summary', 'all', 'relative_mce', b.relativeMCE);
  add('summary', 'all', 'seed', b.seed);
  add('summary', 'all', 'seconds', b.seconds);
  add('baseline', b.baseline?.name ?? '', 'model_id', b.baseline?.modelId);
  add('baseline', b.baseline?.name ?? '', 'clean_accuracy', b.baseline?.cleanAccuracy);
  b.corruptions.forEach((c, i) => {
    b.severities.forEach((s, k) => {
      add('accuracy', c, `severity_${s}`, b.accuracy[i]?.[k]);
      if (b.baseline?.accuracy) add('baseline_accuracy', c, `severity_${s}`, b.baseline.accuracy[i]?.[k]);
    });
    add('corruption', c, 'mean_accuracy', mean(b.accuracy[i] ?? []));
    add('corruption', c, 'ce', b.ce[i]);
    add('corruption', c, 'relative_ce', b.relativeCe[i]);
  });
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

const CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;max-width:1000px;margin:24px auto;padding:0 16px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.sub{color:#59636e;margin:0 0 16px}.summary{font-size:19px;background:#f6f8fa;border-left:4px solid #0969da;padding:12px 16px;margin:16px 0}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:right;font-variant-numeric:tabular-nums}th{background:#f6f8fa}td.l,th.l{text-align:left}
footer{color:#59636e;font-size:12px;margin:32px 0}.scroll{overflow-x:auto}`;

/** Heatmap cell colour: red (0 %) to green (100 %), light enough for dark text (WCAG AA). */
function cellStyle(acc: number): string {
  if (!Number.isFinite(acc)) return '';
  const hue = Math.round(4 + 136 * Math.max(0, Math.min(1, acc)));
  return ` style="background:hsl(${hue} 72% 84%)"`;
}

export function benchmarkToHtml(ev: EvaluationInfo, b: BenchmarkDetails, ctx: BenchmarkContext = {}, meta: ReportMeta = {}): string {
  const title = `Corruption robustness — ${meta.modelName ?? ev.modelId} on ${ctx.datasetName ?? ev.datasetId}`;
  const p: string[] = [];
  p.push(`<h1>${esc(title)}</h1><p class="sub">${ev.count.toLocaleString('en-US')} ${esc(ev.split)} images · ${b.corruptions.length} corruptions × ${b.severities.length} severities · evaluation ${esc(ev.id)}${meta.runName ? ` · run ${esc(meta.runName)}` : ''}</p>`);
  p.push(`<p class="summary">${esc(benchmarkSentence(ev, b, ctx))}</p>`);
  p.push(`<h2>What the numbers mean</h2><ul>${benchmarkLines(ev, b, ctx)
    .map((l) => `<li><b>${esc(l.label)}${l.value ? ` ${esc(l.value)}` : ''}:</b> ${esc(l.text)}</li>`)
    .join('')}</ul>`);
  const withBase = !!b.baseline && b.mCE != null;
  p.push(`<h2>Accuracy by corruption and severity</h2><div class="scroll"><table><tr><th class="l">corruption</th>${b.severities.map((s) => `<th>severity ${s}</th>`).join('')}<th>mean</th>${withBase ? '<th>CE</th><th>relative CE</th>' : ''}</tr>${b.corruptions
    .map((c, i) => {
      const row = b.accuracy[i] ?? [];
      const m = mean(row);
      return `<tr><th class="l">${esc(b.titles[i] ?? c)}</th>${row.map((a) => `<td${cellStyle(a)}>${pct(a, 1)}</td>`).join('')}<td${cellStyle(m)}><b>${pct(m, 1)}</b></td>${withBase ? `<td>${pct(b.ce[i], 1)}</td><td>${pct(b.relativeCe[i], 1)}</td>` : ''}</tr>`;
    })
    .join('')}</table></div>`);
  p.push(`<h2>Settings</h2><table><tr><th class="l">model</th><td class="l">${esc(meta.modelName ?? '')} (${esc(ev.modelId)})</td></tr><tr><th class="l">dataset</th><td class="l">${esc(ctx.datasetName ?? '')} (${esc(ev.datasetId)}), ${esc(ev.split)} split</td></tr><tr><th class="l">baseline model</th><td class="l">${b.baseline ? `${esc(b.baseline.name)} (${esc(b.baseline.modelId)}), clean ${pct(b.baseline.cleanAccuracy, 1)}` : 'none'}</td></tr><tr><th class="l">seed</th><td class="l">${esc(b.seed ?? '')}</td></tr>${meta.backend ? `<tr><th class="l">compute</th><td class="l">${esc(meta.backend)}${meta.device ? ` — ${esc(meta.device)}` : ''}</td></tr>` : ''}<tr><th class="l">evaluated</th><td class="l">${esc(ev.createdAt)}</td></tr></table>`);
  p.push(`<footer>Generated by Robustness Lab on ${esc(meta.generatedAt ?? new Date().toISOString())}.</footer>`);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head><body>${p.join('\n')}</body></html>\n`;
}
