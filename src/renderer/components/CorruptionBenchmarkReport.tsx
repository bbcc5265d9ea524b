/**
 * The result of a corruption-robustness benchmark (an evaluation with details.benchmark =
 * 'corruptions'): the headline numbers with explanations, a heatmap of accuracy by corruption and
 * severity, and a bar chart of per-corruption accuracy or corruption error (CE).
 * Shown on the Corruptions page and on the run page of such an evaluation run.
 */
import {
  Alert,
  Group,
  Loader,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
  useComputedColorScheme,
} from '@mantine/core';
import { lazy, Suspense, useState } from 'react';
import type { EvaluationInfo } from '../../shared/schemas';
import { benchmarkContext, benchmarkLines, benchmarkSentence } from '../../shared/benchmark-text';
import { lab } from '../api/client';
import { CE_HELP, MCE_HELP, MEAN_ACC_HELP, mean, readBenchmark, REL_MCE_HELP } from '../lib/corruptions';
import { useLoad } from '../lib/hooks';
import { ExportButtons } from './EvaluationReport';
import { formatDuration, formatInt, formatPercent } from '../lib/format';
import { InfoIcon } from './InfoIcon';

const BenchmarkBars = lazy(() => import('./corruptions/BenchmarkBars'));

/** Background and text colours of a heatmap cell: red (0 %) through yellow to green (100 %). */
export function heatColors(acc: number, dark: boolean): { background: string; color: string } {
  if (!Number.isFinite(acc)) return { background: 'transparent', color: 'inherit' };
  const a = Math.max(0, Math.min(1, acc));
  const hue = Math.round(4 + 136 * a);
  return dark
    ? { background: `hsl(${hue} 62% ${26 + 6 * a}%)`, color: '#f8f9fa' }
    : { background: `hsl(${hue} 72% ${84 - 6 * (1 - a)}%)`, color: '#1a1b1e' };
}

function Stat({ label, value, help, testId }: { label: string; value: string; help: string; testId: string }) {
  return (
    <Tooltip label={help} withArrow multiline maw={340}>
      <Paper withBorder radius="sm" px="sm" py={6} tabIndex={0} aria-label={`${label}: ${value}. ${help}`} data-testid={testId}>
        <Text size="xs" c="dimmed">
          {label}
          <InfoIcon />
        </Text>
        <Text fw={700} size="lg">
          {value}
        </Text>
      </Paper>
    </Tooltip>
  );
}

export function CorruptionBenchmarkReport({ evaluation, title }: { evaluation: EvaluationInfo; title?: string }) {
  const b = readBenchmark(evaluation);
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const ctx = benchmarkContext(datasets.data?.find((d) => d.id === evaluation.datasetId));
  const dark = useComputedColorScheme('light') === 'dark';
  const [metric, setMetric] = useState<'accuracy' | 'ce'>('accuracy');
  if (!b) {
    return (
      <Alert color="orange" title="Cannot show this benchmark">
        The evaluation has no corruption-benchmark table; it may come from an older version of the lab.
      </Alert>
    );
  }
  const hasBaseline = !!b.baseline && b.mCE !== null;
  const rows = b.corruptions.map((c, i) => ({
    name: c,
    title: b.titles[i] ?? c,
    acc: b.accuracy[i] ?? [],
    mean: mean(b.accuracy[i] ?? []),
    baseMean: b.baseline?.accuracy ? mean(b.baseline.accuracy[i] ?? []) : NaN,
    ce: b.ce[i] ?? null,
    rce: b.relativeCe[i] ?? null,
  }));
  const headingId = `bench-${evaluation.id}`;

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={headingId} data-testid="benchmark-report">
      <Stack gap="md">
        <div>
          <Title order={3} size="h4" id={headingId}>
            {title ?? 'Corruption robustness'}
          </Title>
          <Text size="sm" mt={4} data-testid="benchmark-sentence">
            {benchmarkSentence(evaluation, b, ctx)}
          </Text>
          <Group mt="xs">
            <ExportButtons evaluationId={evaluation.id} />
          </Group>
        </div>
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
          <Stat label="Clean accuracy" value={formatPercent(evaluation.cleanAccuracy)} help="Share of the unmodified images labelled correctly." testId="bench-clean" />
          <Stat label="Mean corruption accuracy" value={formatPercent(b.meanCorruptionAccuracy)} help={MEAN_ACC_HELP} testId="bench-mean-acc" />
          <Stat
            label="mCE"
            value={b.mCE !== null ? formatPercent(b.mCE) : '—'}
            help={b.mCE !== null ? `${MCE_HELP} Baseline: ${b.baseline?.name}.` : `${MCE_HELP} Not computed: this benchmark ran without a baseline model.`}
            testId="bench-mce"
          />
          <Stat
            label="Relative mCE"
            value={b.relativeMCE !== null ? formatPercent(b.relativeMCE) : '—'}
            help={b.relativeMCE !== null ? REL_MCE_HELP : `${REL_MCE_HELP} Not computed: no baseline model, or the baseline lost no accuracy under the corruptions.`}
            testId="bench-rel-mce"
          />
        </SimpleGrid>
        <Stack gap={2} component="ul" m={0} pl="md" data-testid="benchmark-explained" aria-label="What each number means">
          {benchmarkLines(evaluation, b, ctx).map((l) => (
            <Text component="li" size="sm" key={l.key} data-testid={`bench-line-${l.key}`}>
              <b>{l.label}{l.value ? ` ${l.value}` : ''}:</b> {l.text}
            </Text>
          ))}
        </Stack>

        <div>
          <Group justify="space-between" wrap="wrap" gap="xs" mb={6}>
            <Text fw={600} size="sm" id={`${headingId}-heat`}>
              Accuracy by corruption and severity
            </Text>
            <HeatLegend dark={dark} />
          </Group>
          <Table.ScrollContainer minWidth={360 + b.severities.length * 56}>
            <Table
              withTableBorder
              withColumnBorders
              verticalSpacing={4}
              horizontalSpacing={8}
              aria-labelledby={`${headingId}-heat`}
              data-testid="benchmark-heatmap"
              style={{ tableLayout: 'auto' }}
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Corruption</Table.Th>
                  {b.severities.map((s) => (
                    <Table.Th key={s} scope="col" ta="center">
                      Severity {s}
                    </Table.Th>
                  ))}
                  <Table.Th scope="col" ta="center">
                    Mean
                  </Table.Th>
                  {hasBaseline && (
                    <Table.Th scope="col" ta="center">
                      <Tooltip label={CE_HELP} withArrow multiline maw={320}>
                        <span tabIndex={0}>
                          CE
                          <InfoIcon />
                        </span>
                      </Tooltip>
                    </Table.Th>
                  )}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((r) => (
                  <Table.Tr key={r.name} data-testid="heatmap-row" data-corruption={r.name}>
                    <Table.Th scope="row" fw={500} style={{ whiteSpace: 'nowrap' }}>
                      {r.title}
                    </Table.Th>
                    {r.acc.map((a, k) => (
                      <Table.Td key={k} ta="center" style={{ ...heatColors(a, dark), fontVariantNumeric: 'tabular-nums' }} data-testid="heatmap-cell">
                        {formatPercent(a)}
                      </Table.Td>
                    ))}
                    <Table.Td ta="center" fw={700} style={{ ...heatColors(r.mean, dark), fontVariantNumeric: 'tabular-nums' }}>
                      {formatPercent(r.mean)}
                    </Table.Td>
                    {hasBaseline && (
                      <Table.Td ta="center" style={{ fontVariantNumeric: 'tabular-nums' }}>
                        {r.ce !== null ? formatPercent(r.ce, 0) : '—'}
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </div>

        <div>
          <Group justify="space-between" wrap="wrap" gap="xs" mb={6}>
            <Text fw={600} size="sm">
              {metric === 'accuracy' ? 'Mean accuracy per corruption' : 'Corruption error per corruption (baseline = 100 %)'}
            </Text>
            {hasBaseline && (
              <SegmentedControl
                size="xs"
                aria-label="Bar chart shows"
                value={metric}
                onChange={(v) => setMetric(v as 'accuracy' | 'ce')}
                data={[
                  { value: 'accuracy', label: 'Accuracy' },
                  { value: 'ce', label: 'CE' },
                ]}
              />
            )}
          </Group>
          <Suspense fallback={<Loader size="sm" aria-label="Loading the chart" />}>
            {metric === 'accuracy' ? (
              <BenchmarkBars
                rows={rows.map((r) => ({ title: r.title, model: r.mean, ...(b.baseline?.accuracy ? { baseline: r.baseMean } : {}) }))}
                series={[
                  { key: 'model', name: 'This model', color: '#4c6ef5' },
                  ...(b.baseline?.accuracy ? [{ key: 'baseline', name: `Baseline (${b.baseline.name})`, color: '#adb5bd' }] : []),
                ]}
                percentMax={1}
                label={`Mean accuracy per corruption: ${rows.map((r) => `${r.title} ${formatPercent(r.mean)}`).join(', ')}`}
              />
            ) : (
              <BenchmarkBars
                rows={rows.map((r) => ({ title: r.title, ce: r.ce, rce: r.rce }))}
                series={[
                  { key: 'ce', name: 'CE', color: '#f76707' },
                  { key: 'rce', name: 'Relative CE', color: '#ae3ec9' },
                ]}
                percentMax="auto"
                reference={{ value: 1, label: 'baseline' }}
                label={`Corruption error per corruption: ${rows.map((r) => `${r.title} ${r.ce !== null ? formatPercent(r.ce, 0) : 'n/a'}`).join(', ')}`}
              />
            )}
          </Suspense>
        </div>

        <Text size="xs" c="dimmed">
          {formatInt(evaluation.count)} {evaluation.split} images, {b.corruptions.length} corruptions × {b.severities.length}{' '}
          {b.severities.length === 1 ? 'severity' : 'severities'}
          {b.baseline ? `, baseline “${b.baseline.name}” (clean ${formatPercent(b.baseline.cleanAccuracy)})` : ', no baseline model'}
          {b.seed !== null ? `, seed ${b.seed}` : ''}
          {b.seconds !== null ? `, took ${formatDuration(b.seconds)}` : ''}.
        </Text>
      </Stack>
    </Paper>
  );
}

function HeatLegend({ dark }: { dark: boolean }) {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((a) => heatColors(a, dark).background);
  return (
    <Group gap={6} wrap="nowrap" aria-hidden>
      <Text size="xs" c="dimmed">
        0 %
      </Text>
      <div style={{ width: 120, height: 10, borderRadius: 3, background: `linear-gradient(to right, ${stops.join(', ')})` }} />
      <Text size="xs" c="dimmed">
        100 % accuracy
      </Text>
    </Group>
  );
}
