/**
 * One evaluation's report, for people who do not program: the headline in plain words, clean vs
 * robust accuracy, warnings with what to do, the robustness curve, per-class bars, the class
 * confusions under attack, the reliability diagram, what the attack cost, example images, and
 * exports (CSV, self-contained HTML). Used on the run page of an eval run and on the Evaluate page.
 */
import {
  Alert,
  Box,
  Button,
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
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { lab } from '../api/client';
import type { EvaluationInfo, EvaluationReport as Report, GalleryItem } from '../../shared/schemas';
import { downloadText } from '../lib/download';
import { evalSentence } from '../lib/evalText';
import { formatDuration, formatInt, formatNumber, formatPercent } from '../lib/format';
import { notifyError } from '../lib/notify';
import { classLabel } from '../../shared/report-text';
import { mix, textOn } from '../lib/contrast';
import {
  certifiedHeadline,
  certifiedOf,
  CHECK_NAMES,
  epsLong,
  formatEps,
  HELP,
  reportHeadline,
  reportOf,
  warningTitle,
  type CertifiedDetails,
} from '../lib/reportText';
import { InfoIcon } from './InfoIcon';
import { PixelCanvas } from './SampleGrid';
import type { ClassRow } from './ReportCharts';

const CurveChart = lazy(() => import('./ReportCharts').then((m) => ({ default: m.CurveChart })));
const PerClassChart = lazy(() => import('./ReportCharts').then((m) => ({ default: m.PerClassChart })));
const ReliabilityChart = lazy(() => import('./ReportCharts').then((m) => ({ default: m.ReliabilityChart })));

function ChartFallback({ height }: { height: number }) {
  return (
    <Box h={height} style={{ display: 'grid', placeItems: 'center' }}>
      <Loader size="sm" aria-label="Loading the chart" />
    </Box>
  );
}

/** A heading with a tooltip that explains it. */
function SectionTitle({ children, help, id }: { children: ReactNode; help?: string; id?: string }) {
  return (
    <Group gap={4} mb={6} wrap="nowrap">
      <Title order={3} size="h5" id={id}>
        {children}
      </Title>
      {help && (
        <Tooltip label={help} withArrow multiline maw={340}>
          <span tabIndex={0} aria-label={help} role="note" style={{ display: 'inline-flex', cursor: 'help' }}>
            <InfoIcon size={14} />
          </span>
        </Tooltip>
      )}
    </Group>
  );
}

function Kpi({ label, value, help, testId, tone }: { label: string; value: string; help: string; testId?: string; tone?: 'bad' | 'good' }) {
  return (
    <Tooltip label={help} withArrow multiline maw={340}>
      <Paper withBorder radius="sm" px="sm" py={6} tabIndex={0} aria-label={`${label}: ${value}. ${help}`} style={{ minWidth: 0 }}>
        <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
          {label}
          <InfoIcon />
        </Text>
        <Text fw={700} size="xl" c={tone === 'bad' ? 'red' : tone === 'good' ? 'teal' : undefined} data-testid={testId}>
          {value}
        </Text>
      </Paper>
    </Tooltip>
  );
}

export function ExportButtons({ evaluationId }: { evaluationId: string }) {
  const [busy, setBusy] = useState<'csv' | 'html' | null>(null);
  const save = async (format: 'csv' | 'html') => {
    setBusy(format);
    try {
      const file = await lab.exportEvaluation({ evaluationId, format });
      downloadText(file.filename, file.content, file.mimeType);
    } catch (err) {
      notifyError(`Could not export the ${format.toUpperCase()} file`, err);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Group gap="xs">
      <Tooltip label="One file with every number and picture, to open in any browser or send to people who do not have the lab." withArrow multiline maw={300}>
        <Button variant="light" size="xs" onClick={() => save('html')} loading={busy === 'html'} data-testid="export-html">
          Export HTML report
        </Button>
      </Tooltip>
      <Tooltip label="Every number as a table (section, item, field, value) for a spreadsheet." withArrow multiline maw={300}>
        <Button variant="default" size="xs" onClick={() => save('csv')} loading={busy === 'csv'} data-testid="export-csv">
          Export CSV
        </Button>
      </Tooltip>
    </Group>
  );
}

// ---------------------------------------------------------------------------------- confusion
function ConfusionHeatmap({ matrix, names, caption }: { matrix: number[][]; names: string[]; caption: string }) {
  const dark = useComputedColorScheme('light') === 'dark';
  const max = Math.max(1, ...matrix.flat());
  const k = matrix.length;
  const cell = k <= 10 ? 30 : k <= 16 ? 24 : 20;
  return (
    <Box style={{ overflowX: 'auto', maxWidth: '100%' }} data-testid="report-confusion">
      <table
        style={{ borderCollapse: 'collapse', fontSize: k <= 10 ? 12 : 10, fontVariantNumeric: 'tabular-nums' }}
        aria-label={caption}
      >
        <caption style={{ captionSide: 'bottom', textAlign: 'left', paddingTop: 6, fontSize: 12, color: 'var(--mantine-color-dimmed)' }}>
          {caption}
        </caption>
        <thead>
          <tr>
            <th scope="col" style={{ fontWeight: 400, fontSize: 11, color: 'var(--mantine-color-dimmed)', textAlign: 'right', paddingRight: 4 }}>
              true ↓ predicted →
            </th>
            {names.map((n, j) => (
              <th key={j} scope="col" style={{ width: cell, fontWeight: 600, textAlign: 'center' }} title={n}>
                {n.length > 4 ? `${n.slice(0, 3)}…` : n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, t) => (
            <tr key={t}>
              <th scope="row" style={{ textAlign: 'right', paddingRight: 6, fontWeight: 600, whiteSpace: 'nowrap' }} title={names[t]}>
                {names[t] ?? t}
              </th>
              {row.map((v, p) => {
                const a = v ? (v / max) * 0.85 + 0.1 : 0;
                // Opaque colours, so the number's colour can be chosen for contrast (WCAG AA).
                const bg = v ? mix(t === p ? '#2f9e44' : '#e03131', dark ? '#242424' : '#ffffff', a) : 'transparent';
                return (
                  <td
                    key={p}
                    title={`true ${names[t] ?? t}, predicted ${names[p] ?? p}: ${v} ${v === 1 ? 'image' : 'images'}`}
                    style={{
                      width: cell,
                      height: cell,
                      textAlign: 'center',
                      background: bg,
                      color: v ? textOn(bg) : undefined,
                      border: '1px solid var(--mantine-color-default-border)',
                    }}
                  >
                    {v || ''}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </Box>
  );
}

// ---------------------------------------------------------------------------------- gallery
function GalleryCard({ item, r }: { item: GalleryItem; r: Report }) {
  const { height: h, width: w, channels: c } = r.gallery;
  const scale = Math.max(1, Math.min(4, Math.floor(84 / Math.max(h, w, 1))));
  const name = (k: number) => r.classNames[k] ?? String(k);
  const pics: [string, string, string][] = [
    ['clean', item.clean, `Clean image ${item.index}, true class ${name(item.label)}`],
    ['attacked', item.adversarial, `Attacked image ${item.index}, predicted ${name(item.advPred)}`],
    [`change ×${item.amplification.toFixed(1)}`, item.perturbation, `The change made by the attack, amplified ${item.amplification.toFixed(1)} times`],
  ];
  return (
    <Paper withBorder radius="md" p="xs" role="listitem" data-testid="gallery-item" data-broken={item.broken}>
      <Group gap={6} wrap="nowrap" justify="center">
        {pics.map(([cap, px, label]) => (
          <Stack key={cap} gap={2} align="center">
            <PixelCanvas pixels={px} height={h} width={w} channels={c} scale={scale} label={label} testId="gallery-image" />
            <Text size="xs" c="dimmed">
              {cap}
            </Text>
          </Stack>
        ))}
      </Group>
      <Text size="xs" mt={4}>
        True <b>{name(item.label)}</b> · clean → <b>{name(item.cleanPred)}</b> ({formatPercent(item.cleanConfidence, 0)}) · attacked →{' '}
        <Text span size="xs" fw={700} c={item.broken ? 'red' : undefined}>
          {name(item.advPred)}
        </Text>{' '}
        ({formatPercent(item.advConfidence, 0)})
      </Text>
      <Text size="xs" c="dimmed">
        {item.broken ? 'Broken by the attack. ' : item.cleanPred !== item.label ? 'Wrong already without the attack. ' : 'Held up. '}
        Change: at most {formatEps(item.linf)} per pixel, L2 {formatNumber(item.l2, 3)}.
      </Text>
    </Paper>
  );
}

// ---------------------------------------------------------------------------------- the report
export function EvaluationReportView({ evaluation, showExport = true }: { evaluation: EvaluationInfo; showExport?: boolean }) {
  const r = reportOf(evaluation);
  const [confusionWhich, setConfusionWhich] = useState<'adversarial' | 'clean'>('adversarial');
  const splitName = evaluation.split === 'train' ? 'training' : 'test';
  if (!r) {
    // A corruption benchmark (its own component shows it) or an evaluation from before reports existed.
    if ((evaluation.details as { benchmark?: unknown })?.benchmark) return null;
    return (
      <Stack gap="xs" data-testid="evaluation-report" data-legacy>
        <Text size="lg" fw={600} data-testid="report-headline">
          {evalSentence(evaluation)}
        </Text>
        {showExport && <ExportButtons evaluationId={evaluation.id} />}
      </Stack>
    );
  }
  const cert: CertifiedDetails | null = certifiedOf(evaluation);
  // A smallest-change attack without a report radius breaks every image it can: its "robust
  // accuracy" says nothing, the size of the changes (median, curve) does.
  const unbounded = r.attack.kind === 'minimal' && r.attack.eps == null;
  const attacked = r.attack.kind !== 'none' && r.robustAccuracy != null && !unbounded;
  const attackedAny = r.attack.kind !== 'none' && r.robustAccuracy != null;
  const headline = cert ? certifiedHeadline(r, cert, splitName) : reportHeadline(r, splitName);
  const eps = cert ? cert.eps : r.attack.eps;
  const robustName = cert ? 'Certified accuracy' : 'Robust accuracy';
  const robustLabel = attacked ? (eps != null ? `${robustName} at eps ${formatEps(eps)}` : robustName) : null;
  const robustHelp = cert ? HELP.certified(cert.eps) : HELP.robust(eps, r.attack.norm);
  const worstRaw = attacked ? r.worstClass.robust : r.worstClass.clean;
  // A worst class only means something when the classes differ.
  const classAcc = r.perClass.filter((p) => p.count > 0).map((p) => (attacked ? p.robustAccuracy : p.cleanAccuracy) ?? 0);
  const worst = worstRaw && classAcc.some((a) => a !== classAcc[0]) ? worstRaw : null;
  // Classes tied at the worst accuracy (e.g. several at 0 %) are all named and highlighted.
  const worstTied = worst
    ? r.perClass.filter((p) => p.count > 0 && ((attacked ? p.robustAccuracy : p.cleanAccuracy) ?? 0) === worst.accuracy)
    : [];
  const worstNames =
    worstTied.length > 3 ? `${worstTied.slice(0, 3).map((p) => classLabel(p.name)).join(', ')} and ${worstTied.length - 3} more` : worstTied.map((p) => classLabel(p.name)).join(', ');

  // Per-class rows: with many classes, the 20 worst.
  const rowsAll: ClassRow[] = r.perClass
    .filter((p) => p.count > 0)
    .map((p) => ({ name: p.name, clean: p.cleanAccuracy, robust: p.robustAccuracy, count: p.count, worst: worstTied.some((w) => w.label === p.label) }));
  const manyClasses = rowsAll.length > 20;
  const classRows = manyClasses
    ? [...rowsAll].sort((a, b) => ((attacked ? a.robust : a.clean) ?? 1) - ((attacked ? b.robust : b.clean) ?? 1)).slice(0, 20)
    : rowsAll;

  const showAdvConfusion = attackedAny && !cert && !!r.confusion.adversarial?.length;
  const confusion = showAdvConfusion && confusionWhich === 'adversarial' ? r.confusion.adversarial! : r.confusion.clean;
  const calAdv = !cert && attackedAny ? r.calibration.adversarial : null;
  const warnings = r.checks.warnings;
  const checksRan = r.checks.ran.map((c) => CHECK_NAMES[c] ?? c);
  const cost = r.cost;
  const perImage = cost.secondsPerPoint > 0 ? `${formatNumber(cost.secondsPerPoint * 1000, 3)} ms per image` : null;
  const secs = (x: number) => (x < 60 ? `${x < 10 ? x.toFixed(1) : Math.round(x)} s` : formatDuration(x));

  return (
    <Stack gap="lg" data-testid="evaluation-report">
      {/* Headline and exports */}
      <Stack gap="xs">
        <Text size="xl" fw={600} lh={1.35} data-testid="report-headline">
          {headline}
        </Text>
        <Group justify="space-between" gap="xs" wrap="wrap">
          <Text size="sm" c="dimmed">
            {cert ? `Certified by ${cert.method === 'crown' ? 'CROWN' : 'IBP'} bound propagation` : r.attack.title}
            {eps != null ? `, eps ${epsLong(eps)}${r.attack.norm === 'l2' ? ' (L2)' : ' per pixel'}` : ''} · {formatInt(r.count)} {splitName} images
          </Text>
          {showExport && <ExportButtons evaluationId={evaluation.id} />}
        </Group>
      </Stack>

      {/* Key numbers */}
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm">
        <Kpi label="Clean accuracy" value={formatPercent(r.cleanAccuracy)} help={HELP.clean} testId="report-clean" />
        {attacked && (
          <Kpi
            label={robustLabel ?? robustName}
            value={formatPercent(r.robustAccuracy)}
            help={robustHelp}
            testId="report-robust"
            tone={r.robustAccuracy! < r.cleanAccuracy * 0.5 ? 'bad' : undefined}
          />
        )}
        {r.minimal?.median != null && (
          <Kpi
            label={`Median smallest breaking change (${r.minimal.norm === 'linf' ? 'per pixel' : 'L2'})`}
            value={formatEps(r.minimal.median)}
            help="Half of the images the model gets right can be made wrong by a change this small or smaller. Larger is more robust."
          />
        )}
        {worst && (
          <Kpi
            label={`Worst ${worstTied.length > 1 ? `${worstTied.length} classes` : 'class'}${attacked ? (cert ? ' certified' : ' under attack') : ''}`}
            value={worstTied.length > 1 ? `${formatPercent(worst.accuracy)} each` : `${classLabel(worst.name)}: ${formatPercent(worst.accuracy)}`}
            help={HELP.worst}
            testId="report-worst"
          />
        )}
        {Number.isFinite(r.calibration.clean.ece) && r.calibration.clean.count > 0 && (
          <Kpi
            label={calAdv ? 'Calibration error (ECE) clean / attacked' : 'Calibration error (ECE)'}
            value={calAdv ? `${formatPercent(r.calibration.clean.ece)} / ${formatPercent(calAdv.ece)}` : formatPercent(r.calibration.clean.ece)}
            help={HELP.ece}
            testId="report-ece"
          />
        )}
        {r.targeted && (
          <Kpi
            label="Target class reached"
            value={formatPercent(r.targeted.successRate)}
            help={`Targeted attack: how often the attack made the model choose the target class, among ${formatInt(r.targeted.attempted)} images it attacked.`}
          />
        )}
        {attackedAny && !cert && (
          <Kpi
            label="Attack cost per image"
            value={cost.queriesPerPoint > 0 && cost.gradEvalsPerPoint === 0 ? `${formatNumber(cost.queriesPerPoint, 3)} queries` : `${formatNumber(cost.gradEvalsPerPoint, 3)} gradients`}
            help={HELP.cost}
            testId="report-cost"
          />
        )}
      </SimpleGrid>

      {/* Warnings first: they change how to read every number below. */}
      {warnings.length > 0 ? (
        <Stack gap="xs" data-testid="report-warnings">
          {warnings.map((w, i) => (
            <Alert key={`${w.code}-${i}`} color="orange" variant="light" title={warningTitle(w)} role="alert">
              <Text size="sm">{w.message}</Text>
            </Alert>
          ))}
        </Stack>
      ) : attackedAny && !cert ? (
        <Text size="sm" c="dimmed" data-testid="report-checks-ok">
          {checksRan.length
            ? `No sign of gradient masking in the checks that ran (${checksRan.join(', ')}).`
            : 'No gradient-masking checks were run for this evaluation.'}
        </Text>
      ) : null}

      {/* Curve and per-class bars */}
      <SimpleGrid cols={{ base: 1, md: r.epsCurve?.points.length ? 2 : 1 }} spacing="md">
        {r.epsCurve && r.epsCurve.points.length > 0 && (
          <Paper withBorder radius="md" p="sm" component="section" aria-labelledby={`curve-${evaluation.id}`}>
            <SectionTitle id={`curve-${evaluation.id}`} help={r.epsCurve.source === 'minimal' ? HELP.curveMinimal : HELP.curve}>
              Accuracy as the allowed change grows
            </SectionTitle>
            <Suspense fallback={<ChartFallback height={240} />}>
              <CurveChart curve={r.epsCurve} cleanAccuracy={r.cleanAccuracy} mainEps={r.attack.eps} />
            </Suspense>
          </Paper>
        )}
        {classRows.length > 0 && (
          <Paper withBorder radius="md" p="sm" component="section" aria-labelledby={`classes-${evaluation.id}`}>
            <SectionTitle id={`classes-${evaluation.id}`} help={HELP.worst}>
              Accuracy per class{manyClasses ? ` (the 20 worst of ${rowsAll.length})` : ''}
            </SectionTitle>
            <Suspense fallback={<ChartFallback height={240} />}>
              <PerClassChart rows={classRows} robustLabel={attacked ? (cert ? 'Certified' : 'Under attack') : null} />
            </Suspense>
            {worst && (
              <Text size="xs" c="dimmed" mt={4}>
                Worst {worstTied.length > 1 ? 'classes' : 'class'}
                {attacked ? (cert ? ' (certified)' : ' under attack') : ''}: <b>{worstNames}</b>, {formatPercent(worst.accuracy)}
                {worstTied.length > 1 ? ' each' : ''} (highlighted).
              </Text>
            )}
          </Paper>
        )}
      </SimpleGrid>

      {/* AutoAttack: which member broke which images */}
      {r.stages && r.stages.length > 0 && (
        <Paper withBorder radius="md" p="sm" component="section" aria-labelledby={`stages-${evaluation.id}`}>
          <SectionTitle
            id={`stages-${evaluation.id}`}
            help="An ensemble runs its attacks one after another, each only on the images still unbroken. The last column is the robust accuracy after each one."
          >
            Which attack broke which images
          </SectionTitle>
          <Table.ScrollContainer minWidth={620}>
            <Table striped verticalSpacing={4} aria-label="Attacks of the ensemble" data-testid="report-stages">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Attack</Table.Th>
                  <Table.Th ta="right">Ran on</Table.Th>
                  <Table.Th ta="right">Broke</Table.Th>
                  <Table.Th ta="right">Robust accuracy after</Table.Th>
                  <Table.Th ta="right">Time</Table.Th>
                  <Table.Th ta="right">Gradients / image</Table.Th>
                  <Table.Th ta="right">Queries / image</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.stages.map((s) => (
                  <Table.Tr key={s.name}>
                    <Table.Td>
                      {s.title}
                      {s.skipped && (
                        <Text span size="xs" c="dimmed">
                          {' '}
                          (skipped: {s.skipped})
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td ta="right">{formatInt(s.ran)}</Table.Td>
                    <Table.Td ta="right">{formatInt(s.broke)}</Table.Td>
                    <Table.Td ta="right" fw={600}>
                      {formatPercent(s.robustAccuracyAfter)}
                    </Table.Td>
                    <Table.Td ta="right">{secs(s.seconds)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(s.gradEvalsPerPoint, 3)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(s.queriesPerPoint, 3)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}

      {/* Confusions and calibration */}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        {confusion.length > 0 && confusion.length <= 30 && (
          <Paper withBorder radius="md" p="sm" component="section" aria-labelledby={`confusion-${evaluation.id}`}>
            <Group justify="space-between" wrap="wrap" gap="xs" mb={4}>
              <SectionTitle id={`confusion-${evaluation.id}`} help={HELP.confusion}>
                {showAdvConfusion && confusionWhich === 'adversarial' ? 'What the attack turns each class into' : 'Which classes get confused'}
              </SectionTitle>
              {showAdvConfusion && (
                <SegmentedControl
                  size="xs"
                  value={confusionWhich}
                  onChange={(v) => setConfusionWhich(v as 'adversarial' | 'clean')}
                  data={[
                    { value: 'adversarial', label: 'Under attack' },
                    { value: 'clean', label: 'Clean' },
                  ]}
                  aria-label="Show confusions under attack or on clean images"
                />
              )}
            </Group>
            <ConfusionHeatmap
              matrix={confusion}
              names={r.classNames}
              caption={
                showAdvConfusion && confusionWhich === 'adversarial'
                  ? 'Images per true class (rows) and the class chosen on the attacked image (columns).'
                  : 'Images per true class (rows) and the class chosen on the clean image (columns).'
              }
            />
          </Paper>
        )}
        {r.calibration.clean.count > 0 && (
          <Paper withBorder radius="md" p="sm" component="section" aria-labelledby={`calibration-${evaluation.id}`}>
            <SectionTitle id={`calibration-${evaluation.id}`} help={HELP.reliability}>
              Can its confidence be trusted?
            </SectionTitle>
            <SimpleGrid cols={{ base: 1, sm: calAdv ? 2 : 1 }} spacing="xs">
              <div>
                <Text size="xs" fw={600} ta="center">
                  Clean images — ECE {formatPercent(r.calibration.clean.ece)}
                </Text>
                <Suspense fallback={<ChartFallback height={200} />}>
                  <ReliabilityChart cal={r.calibration.clean} title="Clean images" testId="report-reliability-clean" height={200} />
                </Suspense>
              </div>
              {calAdv && (
                <div>
                  <Text size="xs" fw={600} ta="center">
                    Attacked images — ECE {formatPercent(calAdv.ece)}
                  </Text>
                  <Suspense fallback={<ChartFallback height={200} />}>
                    <ReliabilityChart cal={calAdv} title="Attacked images" testId="report-reliability-adversarial" height={200} />
                  </Suspense>
                </div>
              )}
            </SimpleGrid>
            <Text size="xs" c="dimmed" mt={4}>
              Bars: share right among images with that confidence. Dashed: perfectly calibrated. Bars below the line mean over-confidence.
            </Text>
          </Paper>
        )}
      </SimpleGrid>

      {cert && r.robustAccuracy === 0 && r.cleanAccuracy > 0 && (
        <Alert color="gray" variant="light" title="Nothing could be proven at this eps" data-testid="report-certified-none">
          Bound propagation finds guarantees only for models trained for it. Train with a certified method (IBP, CROWN-IBP or CC-IBP on the Train
          page) at this eps, or certify at a smaller eps. An attack evaluation (Quick check, Standard report) measures how robust this model is in
          practice.
        </Alert>
      )}

      {/* Certification margins */}
      {cert?.perPointMarginLowerBound && (
        <Text size="sm" c="dimmed" data-testid="report-certified-margins">
          Proven lower bound of the margin (true class score minus the best other score) over the eps-box: median{' '}
          {formatNumber(cert.perPointMarginLowerBound.median, 3)}, 10th percentile {formatNumber(cert.perPointMarginLowerBound.p10, 3)}, 90th
          percentile {formatNumber(cert.perPointMarginLowerBound.p90, 3)}. A positive bound proves the image cannot be broken.
        </Text>
      )}

      {/* Examples */}
      {r.gallery.items.length > 0 && (
        <section aria-labelledby={`gallery-${evaluation.id}`}>
          <SectionTitle id={`gallery-${evaluation.id}`} help={HELP.gallery}>
            Examples: clean, attacked, and the change made visible
          </SectionTitle>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3, xl: 4 }} spacing="sm" role="list" aria-label="Example images" data-testid="report-gallery">
            {r.gallery.items.map((g) => (
              <GalleryCard key={g.index} item={g} r={r} />
            ))}
          </SimpleGrid>
        </section>
      )}

      {/* Cost */}
      {attackedAny && !cert && (
        <Text size="xs" c="dimmed" data-testid="report-cost-details">
          Took {secs(cost.seconds)} in all: the attack {secs(cost.attackSeconds)}
          {perImage ? ` (${perImage})` : ''}
          {cost.curveSeconds ? `, the eps curve ${secs(cost.curveSeconds)}` : ''}
          {cost.checkSeconds ? `, the checks ${secs(cost.checkSeconds)}` : ''}. {formatNumber(cost.gradEvalsPerPoint, 3)} gradient
          evaluations and {formatNumber(cost.queriesPerPoint, 3)} forward-only queries per image.
        </Text>
      )}
    </Stack>
  );
}
