/** Progress of one run: bar with fraction, epoch x/y, images/s, ETA, and a Cancel button. */
import { Button, Group, Progress, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { lab } from '../api/client';
import type { ProgressEvent, RunInfo } from '../../shared/schemas';
import { formatDuration, formatInt, formatNumber, formatPercent } from '../lib/format';
import { isTerminal } from '../lib/hooks';
import { notifyError } from '../lib/notify';

const PHASES: Record<string, string> = {
  train: 'Training',
  test: 'Checking on test images',
  attack: 'Attacking',
  eval: 'Evaluating',
  clean: 'Measuring clean accuracy',
  load: 'Loading',
  save: 'Saving',
  corrupt: 'Corrupting images',
  corruptions: 'Measuring accuracy under corruptions',
};

/** The job's own ETA, else one from the time so far and the fraction done. */
function etaSeconds(run: RunInfo, progress: ProgressEvent | undefined): number | undefined {
  if (!progress) return undefined;
  if (progress.etaSeconds !== undefined && Number.isFinite(progress.etaSeconds)) return progress.etaSeconds;
  const f = progress.fraction;
  const start = run.startedAt ? new Date(run.startedAt).getTime() : NaN;
  if (!(f > 0.02 && f < 1) || !Number.isFinite(start)) return undefined;
  const elapsed = (Date.now() - start) / 1000;
  return elapsed > 1 ? (elapsed * (1 - f)) / f : undefined;
}

export function RunProgress({ run, progress }: { run: RunInfo; progress: ProgressEvent | undefined }) {
  const [cancelling, setCancelling] = useState(false);
  const done = isTerminal(run.status);
  const fraction = run.status === 'finished' ? 1 : Math.max(0, Math.min(1, progress?.fraction ?? 0));
  const pct = Math.round(fraction * 1000) / 10;

  const cancel = async () => {
    setCancelling(true);
    try {
      await lab.cancelRun({ runId: run.id });
    } catch (err) {
      notifyError('Could not cancel the run', err);
    } finally {
      setCancelling(false);
    }
  };

  const parts: string[] = [];
  if (!done && progress) {
    parts.push(PHASES[progress.phase] ?? progress.phase);
    if (progress.epochs > 0 && progress.epoch > 0) parts.push(`epoch ${progress.epoch} of ${progress.epochs}`);
    // Inside a long attack: its images done, and the robust share so far (the message names the stage and step).
    if (progress.imagesDone !== undefined) parts.push(`${formatInt(progress.imagesDone)} of ${formatInt(progress.steps)} images done`);
    else if (progress.steps > 0) parts.push(`step ${formatInt(progress.step)} of ${formatInt(progress.steps)}`);
    if (progress.robustSoFar !== undefined) parts.push(`robust so far ≤ ${formatPercent(progress.robustSoFar)}`);
    if (progress.imagesPerSec !== undefined) parts.push(`${formatInt(progress.imagesPerSec)} images/s`);
    if (progress.loss !== undefined) parts.push(`loss ${formatNumber(progress.loss)}`);
  }
  const etaS = done ? undefined : etaSeconds(run, progress);
  const eta = etaS !== undefined ? `about ${formatDuration(etaS)} left` : null;

  let headline: string;
  if (run.status === 'queued') headline = 'Waiting in the queue…';
  else if (run.status === 'running') headline = progress ? `${pct.toFixed(1)} % done` : 'Starting…';
  else if (run.status === 'finished') headline = '100 % done';
  else headline = `Stopped (${run.status}) at ${pct.toFixed(1)} %`;

  return (
    <Stack gap={6} data-testid="run-progress-block">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text size="sm" fw={600} aria-live="polite" data-testid="run-progress-text">
          {headline}
          {eta ? ` — ${eta}` : ''}
        </Text>
        {!done && (
          <Button color="red" variant="light" size="xs" onClick={cancel} loading={cancelling} data-testid="cancel-run">
            Cancel
          </Button>
        )}
      </Group>
      <Progress
        value={pct}
        size="lg"
        radius="sm"
        striped={!done}
        animated={run.status === 'running'}
        color={run.status === 'failed' ? 'red' : run.status === 'cancelled' ? 'orange' : run.status === 'finished' ? 'green' : 'blue'}
        aria-label="Run progress"
        data-testid="run-progress"
        data-value={pct}
      />
      {parts.length > 0 && (
        <Text size="xs" c="dimmed" data-testid="run-progress-detail">
          {parts.join(' · ')}
        </Text>
      )}
      {progress?.message && !done && (
        <Text size="xs" c="dimmed" data-testid="run-progress-message">
          {progress.message}
        </Text>
      )}
    </Stack>
  );
}
