/**
 * "Run as sweep" on the Train and Evaluate pages: the form's spec becomes the base, and the person
 * picks any setting of it and gives values (the same text as `robustlab sweep --axis`). The lab
 * checks the sweep and answers with the number of runs and an estimate of the total time before
 * anything starts. Trainings can be followed by an evaluation of each model.
 */
import { Alert, Button, Checkbox, Group, NumberInput, Paper, SegmentedControl, Select, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { lab } from '../../api/client';
import type { SweepPlan, SweepSpecInput } from '../../../shared/sweeps';
import { formatDuration } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { notifyError } from '../../lib/notify';
import { navigate } from '../../lib/route';

interface AxisRow {
  path: string;
  values: string;
}

/** Every setting of the spec that holds one number, word or yes/no, by its dotted path. */
function settingPaths(spec: unknown, prefix = ''): string[] {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(spec as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (path === 'kind' || path === 'name') continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...settingPaths(v, path));
    else if (['number', 'string', 'boolean'].includes(typeof v)) out.push(path);
  }
  return out;
}

const EXAMPLES: Record<string, string> = { seed: '0..3', 'optimizer.lr': '0.01,0.05 or log:0.001..0.1:3' };

export function SweepSection({ spec }: { spec: Record<string, unknown> }) {
  const isTrain = spec.kind === 'train';
  const attacks = useLoad(() => lab.listAttacks({}), []).data ?? [];
  const [on, setOn] = useState(false);
  const [axes, setAxes] = useState<AxisRow[]>([{ path: 'seed', values: '0..3' }]);
  const [mode, setMode] = useState<'grid' | 'random'>('grid');
  const [samples, setSamples] = useState<number | string>(8);
  const [parallel, setParallel] = useState<number | string>(1);
  const [chain, setChain] = useState(false);
  const [attack, setAttack] = useState('fgsm');
  const [eps, setEps] = useState<number | string>(0.1);
  const [evalLimit, setEvalLimit] = useState<number | string>(500);
  const [plan, setPlan] = useState<SweepPlan | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const paths = useMemo(() => settingPaths(spec), [spec]);
  const request: SweepSpecInput = useMemo(
    () => ({
      base: spec,
      axes: axes.filter((a) => a.path && a.values.trim()).map((a) => `${a.path}=${a.values.trim()}`),
      mode,
      samples: mode === 'random' ? Number(samples) || undefined : undefined,
      maxParallel: Number(parallel) || 1,
      thenEval: chain && isTrain
        ? {
            dataset: spec.dataset,
            attack: { name: attack, params: attack === 'none' ? {} : { eps: Number(eps) } },
            ...(Number(evalLimit) > 0 ? { limit: Number(evalLimit) } : {}),
          }
        : undefined,
    }),
    [spec, axes, mode, samples, parallel, chain, attack, eps, evalLimit],
  );
  const key = JSON.stringify(request);

  useEffect(() => {
    if (!on) return;
    let live = true;
    const t = setTimeout(() => {
      lab.planSweep(request).then(
        (p) => live && (setPlan(p), setProblem(null)),
        (err: Error) => live && (setPlan(null), setProblem(err.message)),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [on, key]);

  const start = async () => {
    setBusy(true);
    try {
      const s = await lab.submitSweep(request);
      navigate(['sweeps', s.id]);
    } catch (err) {
      setProblem((err as Error).message);
      notifyError('Could not start the sweep', err);
    } finally {
      setBusy(false);
    }
  };

  const setAxis = (i: number, patch: Partial<AxisRow>) => setAxes((list) => list.map((a, j) => (j === i ? { ...a, ...patch } : a)));

  return (
    <section aria-labelledby="sweep-title">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id="sweep-title">
          Run as sweep
        </Title>
        <Switch checked={on} onChange={(e) => setOn(e.currentTarget.checked)} label="Try several values" data-testid="sweep-toggle" />
      </Group>
      {!on ? (
        <Text size="sm" c="dimmed">
          {isTrain
            ? 'Train the settings above several times, changing one or more of them (for example the seed or the learning rate), as one group you can compare.'
            : 'Run this evaluation several times, changing one or more of its settings (for example the attack’s eps or steps), as one group you can compare.'}
        </Text>
      ) : (
        <Paper withBorder p="md">
          <Stack gap="sm">
            {axes.map((a, i) => (
              <Group key={i} align="end" wrap="nowrap">
                <Select
                  label={i === 0 ? 'Setting' : undefined}
                  data={[...new Set([...paths, a.path])].filter(Boolean)}
                  value={a.path}
                  onChange={(v) => setAxis(i, { path: v ?? '' })}
                  searchable
                  w={220}
                  aria-label={`Setting ${i + 1}`}
                  data-testid={`sweep-axis-path-${i}`}
                />
                <TextInput
                  label={i === 0 ? 'Values' : undefined}
                  description={i === 0 ? 'a,b,c · whole numbers a..b · lin:lo..hi:N · log:lo..hi:N' : undefined}
                  placeholder={EXAMPLES[a.path] ?? 'e.g. 1,2,3'}
                  value={a.values}
                  onChange={(e) => setAxis(i, { values: e.currentTarget.value })}
                  style={{ flex: 1 }}
                  aria-label={`Values ${i + 1}`}
                  data-testid={`sweep-axis-values-${i}`}
                />
                {axes.length > 1 && (
                  <Button variant="subtle" color="red" onClick={() => setAxes((l) => l.filter((_, j) => j !== i))} aria-label={`Remove setting ${i + 1}`}>
                    Remove
                  </Button>
                )}
              </Group>
            ))}
            <Group>
              <Button variant="default" size="xs" onClick={() => setAxes((l) => [...l, { path: '', values: '' }])} data-testid="sweep-add-axis">
                Add a setting
              </Button>
            </Group>
            <Group align="end">
              <div>
                <Text size="sm" fw={500} mb={4}>
                  Combinations
                </Text>
                <SegmentedControl
                  value={mode}
                  onChange={(v) => setMode(v as 'grid' | 'random')}
                  data={[
                    { value: 'grid', label: 'Every combination' },
                    { value: 'random', label: 'Random samples' },
                  ]}
                />
              </div>
              {mode === 'random' && <NumberInput label="Samples" min={1} max={1000} value={samples} onChange={setSamples} w={110} />}
              <NumberInput label="At once" description="members running together" min={1} max={64} value={parallel} onChange={setParallel} w={150} data-testid="sweep-parallel" />
            </Group>
            {isTrain && <Checkbox checked={chain} onChange={(e) => setChain(e.currentTarget.checked)} label="Then evaluate each trained model" data-testid="sweep-chain" />}
            {chain && isTrain && (
              <Group>
                <Select label="Attack" data={['none', ...attacks.map((a) => a.name)]} value={attack} onChange={(v) => setAttack(v ?? 'none')} w={180} />
                {attack !== 'none' && <NumberInput label="eps (0–1)" min={0} max={1} step={0.01} decimalScale={4} value={eps} onChange={setEps} w={120} />}
                <NumberInput label="Test images" min={1} value={evalLimit} onChange={setEvalLimit} w={130} />
              </Group>
            )}
            {problem ? (
              <Alert color="orange" role="alert" data-testid="sweep-problem">
                {problem}
              </Alert>
            ) : plan ? (
              <Text size="sm" data-testid="sweep-plan">
                <b>
                  {plan.runs} run{plan.runs === 1 ? '' : 's'}
                </b>
                {plan.runs !== plan.members ? ` (${plan.members} trainings, each then evaluated)` : ''}
                {plan.estimateSeconds !== null ? <> · about <b>{formatDuration(plan.estimateSeconds)}</b> in all</> : ' · no time estimate yet'}. {plan.estimateBasis}
              </Text>
            ) : (
              <Text size="sm" c="dimmed">
                Checking…
              </Text>
            )}
            <Group>
              <Button onClick={start} loading={busy} disabled={!plan || !!problem} data-testid="start-sweep">
                Start sweep{plan ? ` (${plan.runs} runs)` : ''}
              </Button>
            </Group>
          </Stack>
        </Paper>
      )}
    </section>
  );
}
