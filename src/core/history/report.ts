/**
 * A comparison as a long-format CSV (`section,run_id,run_name,key,x,value`) or as one
 * self-contained HTML page (inline CSS and SVG charts, no scripts, no network).
 */
import type { Comparison } from '../../shared/history';
import { csvCell, esc } from '../eval/report';

export function comparisonToCsv(c: Comparison): string {
  const name = new Map(c.runs.map((r) => [r.id, r.name]));
  const rows: unknown[][] = [['section', 'run_id', 'run_name', 'key', 'x', 'value']];
  const add = (section: string, runId: string, key: string, x: unknown, value: unknown) => rows.push([section, runId, name.get(runId) ?? '', key, x, value]);
  for (const p of c.params) {
    p.values.forEach((v, i) => {
      if (v !== undefined) add('param', c.runs[i].id, p.key, p.differs ? 'differs' : 'same', typeof v === 'string' ? v : JSON.stringify(v));
    });
  }
  for (const m of c.metrics) m.values.forEach((v, i) => v !== null && add('metric', c.runs[i].id, m.key, '', v));
  for (const s of c.curves) for (const p of s.points) add('curve', s.runId, s.key, p.step, p.value);
  for (const p of c.scatter.points) {
    add('scatter', p.runId, c.scatter.cleanMetric, 'clean', p.clean);
    add('scatter', p.runId, c.scatter.robustMetric, 'robust', p.robust);
    add('scatter', p.runId, 'pareto_front', '', p.onFront ? 1 : 0);
  }
  for (const e of c.epsCurves) for (const p of e.points) add('eps_curve', e.runId, e.attack, p.eps, p.robustAccuracy);
  for (const b of c.perClass) for (const k of b.classes) {
    add('per_class', b.runId, `${k.name}/clean`, k.label, k.clean ?? '');
    add('per_class', b.runId, `${k.name}/robust`, k.label, k.robust ?? '');
  }
  for (const b of c.benchmarks) for (const k of b.corruptions) k.accuracy.forEach((a, j) => add('benchmark', b.runId, k.name, b.severities[j], a));
  const er = c.effectiveRobustness;
  for (const p of er.points) {
    add('effective_robustness', p.runId, 'in_distribution', er.inDistribution?.name ?? '', p.x);
    add('effective_robustness', p.runId, 'shifted', er.shifted?.name ?? '', p.y);
    if (p.effectiveRobustness !== null) add('effective_robustness', p.runId, 'distance_above_fit', er.scale, p.effectiveRobustness);
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

const PALETTE = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d', '#6741d9', '#868e96'];
export const colourOf = (i: number) => PALETTE[i % PALETTE.length];

const W = 520;
const H = 260;
const PAD = 40;

function scale(min: number, max: number, a: number, b: number) {
  const span = max - min || 1;
  return (v: number) => a + ((v - min) / span) * (b - a);
}

function axes(xMin: number, xMax: number, yMin: number, yMax: number, xLabel: string, yLabel: string): string {
  const f = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());
  return `<line x1="${PAD}" y1="${H - PAD}" x2="${W - 10}" y2="${H - PAD}" stroke="#888"/><line x1="${PAD}" y1="10" x2="${PAD}" y2="${H - PAD}" stroke="#888"/>
<text x="${PAD}" y="${H - PAD + 14}" font-size="10">${esc(f(xMin))}</text><text x="${W - 10}" y="${H - PAD + 14}" font-size="10" text-anchor="end">${esc(f(xMax))}</text>
<text x="${PAD - 4}" y="${H - PAD}" font-size="10" text-anchor="end">${esc(f(yMin))}</text><text x="${PAD - 4}" y="16" font-size="10" text-anchor="end">${esc(f(yMax))}</text>
<text x="${(W + PAD) / 2}" y="${H - 8}" font-size="11" text-anchor="middle">${esc(xLabel)}</text><text x="12" y="${H / 2}" font-size="11" transform="rotate(-90 12 ${H / 2})" text-anchor="middle">${esc(yLabel)}</text>`;
}

function linesSvg(series: { colour: string; label: string; points: [number, number][] }[], xLabel: string, yLabel: string): string {
  const all = series.flatMap((s) => s.points);
  if (!all.length) return '';
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = scale(x0, x1, PAD, W - 10);
  const sy = scale(y0, y1, H - PAD, 10);
  const paths = series
    .map((s) => `<polyline fill="none" stroke="${s.colour}" stroke-width="1.5" points="${s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"><title>${esc(s.label)}</title></polyline>`)
    .join('');
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(yLabel)}">${axes(x0, x1, y0, y1, xLabel, yLabel)}${paths}</svg>`;
}

export function comparisonToHtml(c: Comparison, meta: { generatedAt?: string } = {}): string {
  const idx = new Map(c.runs.map((r, i) => [r.id, i]));
  const legend = c.runs.map((r, i) => `<span class="lg"><i style="background:${colourOf(i)}"></i>${esc(r.name)}</span>`).join(' ');
  const diff = c.params.filter((p) => p.differs);
  const cell = (v: unknown) => (v === undefined ? '<td class="missing">—</td>' : `<td>${esc(typeof v === 'string' ? JSON.stringify(v) : String(v))}</td>`);
  const head = `<tr><th>key</th>${c.runs.map((r) => `<th>${esc(r.name)}</th>`).join('')}</tr>`;
  const paramsTable = `<table>${head}${diff.map((p) => `<tr><th>${esc(p.key)}</th>${p.values.map(cell).join('')}</tr>`).join('')}</table>`;
  const metricsTable = `<table>${head}${c.metrics.map((m) => `<tr><th>${esc(m.key)}</th>${m.values.map((v) => `<td>${v === null ? '—' : esc(Number(v.toPrecision(4)))}</td>`).join('')}</tr>`).join('')}</table>`;
  const keys = [...new Set(c.curves.map((s) => s.key))].sort();
  const curveCharts = keys
    .map((k) => {
      const svg = linesSvg(
        c.curves.filter((s) => s.key === k).map((s) => ({ colour: colourOf(idx.get(s.runId) ?? 0), label: c.runs[idx.get(s.runId) ?? 0].name, points: s.points.map((p) => [p.step, p.value] as [number, number]) })),
        'step',
        k,
      );
      return `<figure><figcaption>${esc(k)}</figcaption>${svg}</figure>`;
    })
    .join('');
  let scatter = '<p>No run has both a clean and a robust accuracy.</p>';
  if (c.scatter.points.length) {
    const pts = c.scatter.points;
    const sx = scale(0, 1, PAD, W - 10);
    const sy = scale(0, 1, H - PAD, 10);
    const front = pts.filter((p) => p.onFront).sort((a, b) => a.clean - b.clean);
    scatter = `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="clean vs robust">${axes(0, 1, 0, 1, c.scatter.cleanMetric, c.scatter.robustMetric)}
<polyline fill="none" stroke="#333" stroke-dasharray="4 3" points="${front.map((p) => `${sx(p.clean).toFixed(1)},${sy(p.robust).toFixed(1)}`).join(' ')}"/>
${pts.map((p) => `<circle cx="${sx(p.clean).toFixed(1)}" cy="${sy(p.robust).toFixed(1)}" r="${p.onFront ? 6 : 4}" fill="${colourOf(idx.get(p.runId) ?? 0)}"><title>${esc(c.runs[idx.get(p.runId) ?? 0].name)}: ${p.clean.toFixed(3)} / ${p.robust.toFixed(3)}</title></circle>`).join('')}</svg>
<p>Dashed: the Pareto front (${front.length} of ${pts.length} runs: ${front.map((p) => esc(c.runs[idx.get(p.runId)!].name)).join(', ')}).</p>`;
  }
  const eps = c.epsCurves.length
    ? linesSvg(c.epsCurves.map((e) => ({ colour: colourOf(idx.get(e.runId) ?? 0), label: c.runs[idx.get(e.runId) ?? 0].name, points: e.points.map((p) => [p.eps, p.robustAccuracy] as [number, number]) })), 'eps', 'robust accuracy')
    : '<p>No evaluation of these runs has a robustness curve (use an eps grid).</p>';
  const er = c.effectiveRobustness;
  const erHtml = er.fit
    ? `<p>${esc(er.shifted?.name)} vs ${esc(er.inDistribution?.name)} (${er.scale}): y = ${er.fit.intercept.toFixed(4)} + ${er.fit.slope.toFixed(4)}·x, R² = ${er.fit.r2.toFixed(3)}.</p><table><tr><th>run</th><th>x</th><th>y</th><th>above fit</th></tr>${er.points.map((p) => `<tr><th>${esc(c.runs[idx.get(p.runId)!].name)}</th><td>${p.x.toFixed(4)}</td><td>${p.y.toFixed(4)}</td><td>${p.effectiveRobustness?.toFixed(4) ?? '—'}</td></tr>`).join('')}</table>`
    : `<p>${esc(er.note ?? '')}</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Run comparison (${c.runs.length} runs)</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:12px}td.missing{color:#c92a2a}figure{display:inline-block;margin:8px}.lg{margin-right:12px}.lg i{display:inline-block;width:10px;height:10px;margin-right:4px}</style></head><body>
<h1>Run comparison</h1><p>${c.runs.length} runs${meta.generatedAt ? `, ${esc(meta.generatedAt)}` : ''}. ${legend}</p>
<h2>Parameters that differ</h2>${diff.length ? paramsTable : '<p>Every parameter is the same.</p>'}
<h2>Latest metrics</h2>${metricsTable}
<h2>Clean vs robust accuracy</h2>${scatter}
<h2>Curves</h2>${curveCharts || '<p>No metric has more than one point.</p>'}
<h2>Robustness curves</h2>${eps}
<h2>Effective robustness</h2>${erHtml}
</body></html>`;
}
