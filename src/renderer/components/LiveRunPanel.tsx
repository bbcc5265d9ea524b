/** A training run followed live: progress, ETA, loss and accuracy charts, cancel, and what next. */
import { Alert, Anchor, Button, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { Charts } from './Charts';
import { ResumeTrainingButton } from './ResumeTraining';
import { RunProgress } from './RunProgress';
import { StatusBadge } from './StatusBadge';
import { MetricsSummary } from './MetricsSummary';
import { lab } from '../api/client';
import { useLiveRun, useLoad } from '../lib/hooks';
import { monitorCertify } from '../../shared/methods';
import { href } from '../lib/route';
import type { MethodEntry, TrainSpec } from '../../shared/schemas';

/** What the per-epoch robustness checks measure, in words (null without checks). */
function describeMonitor(spec: TrainSpec, methods: MethodEntry[]): string | null {
  const m = spec.monitor;
  if (!m) return null;
  const certify = monitorCertify(m, methods.find((x) => x.name === spec.method));
  const parts: string[] = [];
  if (m.pgdSteps > 0) parts.push(`accuracy under a ${m.pgdSteps}-step PGD attack`);
  if (certify !== 'none') parts.push(`certified accuracy (${certify.toUpperCase()})`);
  if (!parts.length) return null;
  const eps = m.eps ?? (typeof spec.methodParams.eps === 'number' ? spec.methodParams.eps : 0.1);
  return `After every epoch: ${parts.join(' and ')} at eps ${eps}, on the first ${m.count.toLocaleString('en-US')} test images. The gap to the clean accuracy shows what robust training buys.`;
}

export function LiveRunPanel({ runId }: { runId: string }) {
  const methods = useLoad(() => lab.listMethods({}), []);
  const { detail, error, progress } = useLiveRun(runId);
  if (error && !detail) {
    return (
      <Alert color="red" title="Could not load the run">
        {error.message}
      </Alert>
    );
  }
  if (!detail) return <Loader size="sm" aria-label="Loading the run" />;
  const { run, metrics, model } = detail;
  const spec = run.spec;
  const epochs = spec.kind === 'train' ? spec.epochs : undefined;
  const monitorText = spec.kind === 'train' ? describeMonitor(spec, methods.data ?? []) : null;

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="live-run-title" data-testid="live-run" data-run-id={run.id}>
      <Stack gap="md">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <div style={{ minWidth: 0 }}>
            <Group gap="xs">
              <Title order={2} size="h4" id="live-run-title">
                <Anchor href={href(['runs', run.id])} inherit>
                  {run.name}
                </Anchor>
              </Title>
              <StatusBadge status={run.status} />
            </Group>
            {spec.kind === 'train' && (
              <Text size="sm" c="dimmed">
                Training {spec.arch}
                {spec.method && spec.method !== 'erm' ? ` with ${spec.method}` : ''} on {spec.dataset} for {spec.epochs}{' '}
                {spec.epochs === 1 ? 'epoch' : 'epochs'}
                {spec.limit ? ` (first ${spec.limit.toLocaleString('en-US')} training images)` : ''}.
              </Text>
            )}
            {monitorText && (
              <Text size="xs" c="dimmed" data-testid="live-run-monitor">
                {monitorText}
              </Text>
            )}
          </div>
        </Group>
        <RunProgress run={run} progress={progress} />
        <MetricsSummary latest={run.latestMetrics} />
        <Charts metrics={metrics} epochs={epochs} which="primary" />
        {run.status === 'finished' && (
          <Alert color="green" title="Training finished" data-testid="run-finished">
            <Stack gap="xs">
              <Text size="sm">
                {model
                  ? `The model “${model.name}” is saved in the lab. Measure how it holds up under attack next.`
                  : 'The results are saved in the lab.'}
              </Text>
              <Group gap="xs">
                <Button component="a" href={href(['runs', run.id])} variant="default" size="xs" data-testid="open-run-page">
                  Open the run page
                </Button>
                {model && (
                  <Button component="a" href={href(['evaluate'], { model: model.id, dataset: run.datasetId ?? undefined })} size="xs">
                    Evaluate this model
                  </Button>
                )}
              </Group>
            </Stack>
          </Alert>
        )}
        {run.status === 'failed' && (
          <Alert color="red" title="Training failed">
            {run.error ?? 'The run stopped with an error.'}
          </Alert>
        )}
        {(run.status === 'cancelled' || run.status === 'interrupted') && (
          <Alert color="orange" title={run.status === 'cancelled' ? 'Training cancelled' : 'Training interrupted'}>
            <Stack gap="xs">
              <Text size="sm">
                {run.status === 'cancelled'
                  ? `The run was stopped; nothing was saved as a model.${detail.resume?.possible ? ' Epochs that finished can be continued.' : ''}`
                  : `The lab closed while this run was working. ${detail.resume?.possible ? 'Continue it from its last finished epoch, or start' : 'Start it'} again from the Train page.`}
              </Text>
              <Group>
                <ResumeTrainingButton run={run} resume={detail.resume} size="xs" />
              </Group>
            </Stack>
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
