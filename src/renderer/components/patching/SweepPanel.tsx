/**
 * α sweep: the target + α·signature measured for each α of a grid on the clean and corrupted test
 * sets, and optionally under an attack on the first set (a job), charted as accuracy vs α; pick a
 * point and save that model.
 */
import { Alert, Button, Group, NativeSelect, NumberInput, Paper, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { lab } from '../../api/client';
import type { SignatureInfo } from '../../../shared/patching';
import type { ModelInfo } from '../../../shared/schemas';
import { useLiveRun, useLoad } from '../../lib/hooks';
import { notifyError, notifyOk } from '../../lib/notify';
import { PALETTE } from '../MetricCharts';
import { RunProgress } from '../RunProgress';

function SweepChart({ runId, onPick, picked }: { runId: string; onPick: (alpha: number) => void; picked: number | null }) {
  const { detail, progress } = useLiveRun(runId);
  if (!detail) return null;
  const metrics = detail.metrics;
  // One line per test set, and a dashed one for the attack's robust accuracy.
  const keys = Object.keys(metrics).filter((k) => k.startsWith('accuracy/') || k.startsWith('robust_accuracy/'));
  const label = (k: string) => (k.startsWith('robust_accuracy/') ? `${k.slice('robust_accuracy/'.length)} under attack` : k.slice('accuracy/'.length));
  const data = (metrics.alpha ?? []).map((p) => ({
    alpha: p.value,
    ...Object.fromEntries(keys.map((k) => [label(k), 100 * (metrics[k].find((q) => q.step === p.step)?.value ?? NaN)])),
  }));
  return (
    <Stack gap="xs">
      <RunProgress run={detail.run} progress={progress} />
      {detail.run.error && <Alert color="red">{detail.run.error}</Alert>}
      {data.length > 0 && (
        <Paper withBorder p="sm" data-testid="sweep-chart">
          <Text size="sm" fw={500}>Accuracy (%) vs α — click a point to pick that α</Text>
          <ResponsiveContainer width="100%" height={260}>
            <LineChart data={data} onClick={(e) => { const a = (e as { activeLabel?: unknown } | null)?.activeLabel; if (a !== undefined) onPick(Number(a)); }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="alpha" type="number" domain={['dataMin', 'dataMax']} fontSize={12} label={{ value: 'α', position: 'insideBottomRight', offset: -2 }} />
              <YAxis fontSize={12} domain={['auto', 'auto']} />
              <Tooltip formatter={(v) => `${Number(v).toFixed(1)} %`} />
              <Legend />
              {keys.map((k, i) => (
                <Line key={k} dataKey={label(k)} stroke={PALETTE[i % PALETTE.length]} strokeDasharray={k.startsWith('robust_') ? '5 4' : undefined} dot isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
          <Group gap="xs">
            <Text size="xs">Points:</Text>
            {data.map((d) => (
              <Button key={d.alpha} size="compact-xs" variant={picked === d.alpha ? 'filled' : 'default'} onClick={() => onPick(d.alpha)} data-testid={`sweep-point-${d.alpha}`}>
                α = {d.alpha}
              </Button>
            ))}
          </Group>
        </Paper>
      )}
    </Stack>
  );
}

export function SweepPanel({ models, signatures, onSaved }: { models: ModelInfo[]; signatures: SignatureInfo[]; onSaved: () => void }) {
  const [target, setTarget] = useState('');
  const [signature, setSignature] = useState('');
  const [alphas, setAlphas] = useState('0,0.25,0.5,0.75,1,1.25,1.5');
  const [limit, setLimit] = useState<number | string>(500);
  const [runId, setRunId] = useState<string | null>(null);
  const [picked, setPicked] = useState<number | null>(null);
  const [name, setName] = useState('');
  const attacks = useLoad(() => lab.listAttacks({}), []).data ?? [];
  const [attack, setAttack] = useState('none');
  const [eps, setEps] = useState<number | string>(0.1);
  const [attackLimit, setAttackLimit] = useState<number | string>(200);
  const hasEps = attacks.find((a) => a.name === attack)?.params.some((p) => p.key === 'eps') ?? false;
  const targetId = target || models.find((m) => m.name.endsWith('-clean'))?.id || models[0]?.id || '';
  const sigId = signature || signatures[0]?.id || '';

  const start = async () => {
    try {
      const values = alphas.split(',').map((s) => Number(s.trim()));
      const run = await lab.submitPatchSweep({
        kind: 'patch-sweep',
        target: targetId,
        signatures: [{ signature: sigId, alpha: 1 }],
        alphas: values,
        limit: Number(limit),
        ...(attack !== 'none' ? { attack: { name: attack, params: hasEps ? { eps: Number(eps) } : {} }, attackLimit: Number(attackLimit) } : {}),
      });
      setRunId(run.id);
      setPicked(null);
    } catch (err) {
      notifyError('Could not start the sweep', err);
    }
  };
  const save = async () => {
    if (picked === null) return;
    try {
      const sig = signatures.find((s) => s.id === sigId);
      const m = await lab.patchModel({ target: targetId, signatures: [{ signature: sigId, alpha: picked }], name: name.trim() || `${models.find((x) => x.id === targetId)?.name}+${sig?.name}-a${picked}` });
      notifyOk('Patched model saved', `“${m.name}” (α = ${picked}) is on the Models page.`);
      onSaved();
    } catch (err) {
      notifyError('Could not save the patched model', err);
    }
  };

  if (signatures.length === 0) return <Text c="dimmed">Extract a signature first.</Text>;
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NativeSelect label="Target model" value={targetId} onChange={(e) => setTarget(e.currentTarget.value)} data={models.map((m) => ({ value: m.id, label: m.name }))} data-testid="sweep-target" />
          <NativeSelect label="Signature" value={sigId} onChange={(e) => setSignature(e.currentTarget.value)} data={signatures.map((s) => ({ value: s.id, label: s.name }))} data-testid="sweep-signature" />
          <TextInput label="Values of α" description="separated by commas, each between −5 and 5" value={alphas} onChange={(e) => setAlphas(e.currentTarget.value)} data-testid="sweep-alphas" />
          <NumberInput label="Test images per set" description="the clean set and the signature's corrupted set" min={1} value={limit} onChange={setLimit} data-testid="sweep-limit" />
          <NativeSelect
            label="Attack at each α (optional)"
            description="robust accuracy on the first test set, as an evaluation with this attack would report it"
            value={attack}
            onChange={(e) => setAttack(e.currentTarget.value)}
            data={[{ value: 'none', label: 'none' }, ...attacks.map((a) => ({ value: a.name, label: a.title }))]}
            data-testid="sweep-attack"
          />
          {attack !== 'none' && (
            <Group grow align="start">
              {hasEps && <NumberInput label="eps (0–1)" description="largest change per pixel" min={0} max={1} step={0.01} decimalScale={4} value={eps} onChange={setEps} data-testid="sweep-eps" />}
              <NumberInput label="Images attacked" description="per α; attacks take longer than accuracy" min={1} max={10000} value={attackLimit} onChange={setAttackLimit} data-testid="sweep-attack-limit" />
            </Group>
          )}
        </SimpleGrid>
        <Group>
          <Button onClick={start} disabled={!targetId || !sigId} data-testid="sweep-start">
            Run the sweep
          </Button>
        </Group>
        {runId && <SweepChart runId={runId} onPick={setPicked} picked={picked} />}
        {picked !== null && (
          <Group align="end" data-testid="sweep-save-row">
            <TextInput label={`Save the model at α = ${picked}`} placeholder="default: target+signature-aα" value={name} onChange={(e) => setName(e.currentTarget.value)} />
            <Button onClick={save} data-testid="sweep-save">
              Save this point
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
