/**
 * Train: the per-epoch robustness checks (TrainSpec.monitor) that feed the live charts.
 */
import { NativeSelect, NumberInput, Paper, SimpleGrid, Stack, Switch } from '@mantine/core';
import { toNum, type SetField, type TrainForm } from './trainForm';

export function MonitorPanel({ form, set, certifiable }: { form: TrainForm; set: SetField; certifiable: string[] }) {
  return (
    <Paper withBorder radius="md" p="sm">
      <Stack gap="xs">
        <Switch
          label="Measure robustness after every epoch"
          description="Accuracy under a PGD attack (and, for certified methods, certified accuracy) on the first test images, charted live next to the clean accuracy. Adds a little time per epoch."
          checked={form.monitorOn}
          onChange={(e) => set('monitorOn', e.currentTarget.checked)}
          data-testid="train-monitor"
        />
        {form.monitorOn && (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="md">
            <NumberInput
              label="Images checked each epoch"
              description="The first K test images. 1 to 100,000; 200 is quick."
              value={form.monitorCount}
              onChange={(v) => set('monitorCount', toNum(v))}
              min={1}
              max={100000}
              allowDecimal={false}
              data-testid="train-monitor-count"
            />
            <NumberInput
              label="Check eps"
              description="Largest change per pixel for the check, 0 to 1. Empty: the method's eps, else 0.1."
              value={form.monitorEps}
              onChange={(v) => set('monitorEps', toNum(v))}
              min={0}
              max={1}
              step={0.01}
              decimalScale={5}
              placeholder="method's eps"
              data-testid="train-monitor-eps"
            />
            <NumberInput
              label="PGD steps"
              description="Steps of the checking attack; 0 turns the PGD check off. 0 to 1000."
              value={form.monitorPgdSteps}
              onChange={(v) => set('monitorPgdSteps', toNum(v))}
              min={0}
              max={1000}
              allowDecimal={false}
              data-testid="train-monitor-steps"
            />
            <NativeSelect
              label="Certified accuracy"
              description={`Proven robustness by bound propagation (${certifiable.join(', ')}). Automatic: IBP for certified methods, else off.`}
              value={form.monitorCertify}
              onChange={(e) => set('monitorCertify', e.currentTarget.value as TrainForm['monitorCertify'])}
              data={[
                { value: 'auto', label: 'Automatic' },
                { value: 'none', label: 'Off' },
                { value: 'ibp', label: 'IBP (fast)' },
                { value: 'crown', label: 'CROWN (tighter, slower)' },
              ]}
              data-testid="train-monitor-certify"
            />
          </SimpleGrid>
        )}
      </Stack>
    </Paper>
  );
}
