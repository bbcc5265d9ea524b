/**
 * The report's charts (recharts; loaded lazily with the other charts, see EvaluationReport.tsx):
 * the robustness curve, per-class bars with the worst class highlighted, and the reliability
 * diagram. Each chart is wrapped in role="img" with a text alternative of its numbers.
 */
import { Text, useComputedColorScheme } from '@mantine/core';
import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  Rectangle,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  type BarShapeProps,
} from 'recharts';
import type { CalibrationReport, EvaluationReport } from '../../shared/schemas';
import { formatPercent } from '../../shared/format';
import { formatEps } from '../lib/reportText';

export interface ChartColors {
  axis: string;
  grid: string;
  clean: string;
  robust: string;
  worst: string;
  diagonal: string;
  tooltipBg: string;
  tooltipText: string;
}

export function useChartColors(): ChartColors {
  const dark = useComputedColorScheme('light') === 'dark';
  return dark
    ? {
        axis: '#a6a7ab',
        grid: '#373a40',
        clean: '#4dabf7',
        robust: '#ff922b',
        worst: '#ff6b6b',
        diagonal: '#909296',
        tooltipBg: '#25262b',
        tooltipText: '#c1c2c5',
      }
    : {
        axis: '#495057',
        grid: '#dee2e6',
        clean: '#1c7ed6',
        robust: '#e8590c',
        worst: '#c92a2a',
        diagonal: '#868e96',
        tooltipBg: '#ffffff',
        tooltipText: '#212529',
      };
}

const pct = (v: number) => formatPercent(v, 0);
const pct1 = (v: unknown) => formatPercent(typeof v === 'number' ? v : null, 1);

function tooltipStyle(c: ChartColors) {
  return { background: c.tooltipBg, borderColor: c.grid, color: c.tooltipText };
}

// ------------------------------------------------------------------------------ robustness curve
export function CurveChart({
  curve,
  cleanAccuracy,
  mainEps,
  height = 240,
}: {
  curve: NonNullable<EvaluationReport['epsCurve']>;
  cleanAccuracy: number;
  mainEps: number | null;
  height?: number;
}) {
  const c = useChartColors();
  const rows = [...curve.points].sort((a, b) => a.eps - b.eps).map((p) => ({ eps: p.eps, robust: p.robustAccuracy }));
  const xLabel = curve.norm === 'l2' ? 'eps: total size of the change (L2)' : 'eps: largest change per pixel';
  const alt = `Robust accuracy against eps: ${rows.map((r) => `eps ${formatEps(r.eps)} ${pct1(r.robust)}`).join(', ')}. Clean accuracy ${pct1(cleanAccuracy)}.`;
  return (
    <div role="img" aria-label={alt} data-testid="report-curve" data-points={rows.length}>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={rows} margin={{ top: 10, right: 20, bottom: 22, left: 0 }}>
          <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
          <XAxis
            dataKey="eps"
            type="number"
            domain={[0, 'auto']}
            tickFormatter={(v: number) => formatEps(v)}
            tick={{ fill: c.axis, fontSize: 12 }}
            stroke={c.axis}
            label={{ value: xLabel, position: 'insideBottom', offset: -12, fill: c.axis, fontSize: 12 }}
          />
          <YAxis domain={[0, 1]} tickFormatter={pct} tick={{ fill: c.axis, fontSize: 12 }} stroke={c.axis} width={56} />
          <Tooltip
            formatter={(v) => [pct1(v), 'Robust accuracy']}
            labelFormatter={(l) => `eps ${typeof l === 'number' ? formatEps(l) : String(l)}`}
            contentStyle={tooltipStyle(c)}
          />
          <ReferenceLine
            y={cleanAccuracy}
            stroke={c.clean}
            strokeDasharray="5 4"
            label={{ value: `clean ${pct1(cleanAccuracy)}`, position: 'insideTopRight', fill: c.clean, fontSize: 12 }}
          />
          {mainEps !== null && (
            <ReferenceLine
              x={mainEps}
              stroke={c.diagonal}
              strokeDasharray="2 3"
              label={{ value: `eps ${formatEps(mainEps)}`, position: 'insideTopLeft', fill: c.axis, fontSize: 11 }}
            />
          )}
          <Line
            dataKey="robust"
            name="Robust accuracy"
            stroke={c.robust}
            strokeWidth={2.5}
            dot={{ r: 3.5, fill: c.robust }}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

// ------------------------------------------------------------------------------ per-class bars
export interface ClassRow {
  name: string;
  clean: number | null;
  robust: number | null;
  count: number;
  worst: boolean;
}

export function PerClassChart({ rows, robustLabel, height = 240 }: { rows: ClassRow[]; robustLabel: string | null; height?: number }) {
  const c = useChartColors();
  const alt = `Accuracy per class: ${rows
    .map((r) => `${r.name}: clean ${pct1(r.clean)}${robustLabel ? `, ${robustLabel.toLowerCase()} ${pct1(r.robust)}` : ''}${r.worst ? ' (worst)' : ''}`)
    .join('; ')}.`;
  const worstShape = (fill: string) =>
    function WorstBar(props: BarShapeProps) {
      const row = (props as unknown as { payload?: ClassRow }).payload;
      return <Rectangle {...(props as object)} fill={row?.worst ? c.worst : fill} />;
    };
  const Tick = ({ x, y, payload }: { x?: number; y?: number; payload?: { value: string } }) => {
    const row = rows.find((r) => r.name === payload?.value);
    return (
      <text x={x} y={(y ?? 0) + 12} textAnchor="middle" fontSize={12} fill={row?.worst ? c.worst : c.axis} fontWeight={row?.worst ? 700 : 400}>
        {payload?.value}
      </text>
    );
  };
  return (
    <div role="img" aria-label={alt} data-testid="report-per-class">
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={rows} margin={{ top: 5, right: 12, bottom: 5, left: 0 }} barGap={1}>
          <CartesianGrid stroke={c.grid} strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" interval={0} tick={<Tick />} stroke={c.axis} height={24} />
          <YAxis domain={[0, 1]} tickFormatter={pct} tick={{ fill: c.axis, fontSize: 12 }} stroke={c.axis} width={56} />
          <Tooltip
            formatter={(v, name) => [pct1(v), String(name)]}
            labelFormatter={(l) => {
              const row = rows.find((r) => r.name === l);
              return `Class ${String(l)}${row ? ` (${row.count} images)` : ''}${row?.worst ? ' — the worst class' : ''}`;
            }}
            contentStyle={tooltipStyle(c)}
            cursor={{ fill: c.grid, opacity: 0.4 }}
          />
          <Legend verticalAlign="top" height={24} wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
          <Bar
            dataKey="clean"
            name="Clean"
            fill={c.clean}
            isAnimationActive={false}
            shape={robustLabel ? undefined : worstShape(c.clean)}
          />
          {robustLabel && (
            <Bar dataKey="robust" name={robustLabel} fill={c.robust} isAnimationActive={false} shape={worstShape(c.robust)} />
          )}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

// ------------------------------------------------------------------------------ reliability diagram
/** The upper edge of bin i when it is a round tenth-of-five (0.2, 0.4, …), else nothing: few, readable ticks. */
function edgeLabel(cal: CalibrationReport, i: number): string {
  const hi = cal.bins[i]?.hi;
  if (hi === undefined) return '';
  const every = cal.bins.length % 5 === 0 ? null : Math.max(1, Math.ceil(cal.bins.length / 5));
  if (every === null) return Math.abs(hi * 5 - Math.round(hi * 5)) < 1e-9 ? `${+hi.toFixed(1)}` : '';
  return (i + 1) % every === 0 ? `${+hi.toFixed(2)}` : '';
}
export function ReliabilityChart({ cal, title, testId, height = 220 }: { cal: CalibrationReport; title: string; testId: string; height?: number }) {
  const c = useChartColors();
  const rows = cal.bins.map((b) => ({
    bin: `${b.lo.toFixed(2)}–${b.hi.toFixed(2)}`,
    mid: (b.lo + b.hi) / 2,
    accuracy: b.count > 0 ? b.accuracy : null,
    confidence: b.count > 0 ? b.confidence : null,
    count: b.count,
  }));
  const filled = rows.filter((r) => r.count > 0);
  const alt = `${title}, reliability diagram, ECE ${pct1(cal.ece)}: ${filled
    .map((r) => `confidence ${r.bin}: ${r.count} images, ${pct1(r.accuracy)} right`)
    .join('; ')}.`;
  return (
    <div role="img" aria-label={alt} data-testid={testId}>
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={rows} margin={{ top: 5, right: 12, bottom: 22, left: 0 }} barCategoryGap={1}>
          <CartesianGrid stroke={c.grid} strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="bin"
            tickFormatter={(_v: string, i: number) => edgeLabel(cal, i)}
            interval={0}
            tick={{ fill: c.axis, fontSize: 11 }}
            stroke={c.axis}
            label={{ value: 'confidence (largest probability)', position: 'insideBottom', offset: -12, fill: c.axis, fontSize: 12 }}
          />
          <YAxis domain={[0, 1]} tickFormatter={pct} tick={{ fill: c.axis, fontSize: 12 }} stroke={c.axis} width={56} />
          <Tooltip
            formatter={(v, name) => [pct1(v), String(name)]}
            labelFormatter={(l) => {
              const row = rows.find((r) => r.bin === l);
              return `Confidence ${String(l)}: ${row?.count ?? 0} images`;
            }}
            contentStyle={tooltipStyle(c)}
            cursor={{ fill: c.grid, opacity: 0.4 }}
          />
          <Bar dataKey="accuracy" name="Share right" fill={c.clean} isAnimationActive={false} />
          <Line
            dataKey="mid"
            name="Perfectly calibrated"
            stroke={c.diagonal}
            strokeDasharray="5 4"
            dot={false}
            activeDot={false}
            isAnimationActive={false}
            legendType="plainline"
          />
        </ComposedChart>
      </ResponsiveContainer>
      {filled.length === 0 && (
        <Text size="xs" c="dimmed">
          No images were measured.
        </Text>
      )}
    </div>
  );
}
