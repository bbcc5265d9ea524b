/** "Continue training": a new run that resumes an interrupted, cancelled or failed one from its last finished epoch. */
import { Button, Text, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { lab } from '../api/client';
import type { RunDetail, RunInfo } from '../../shared/schemas';
import { notifyError } from '../lib/notify';
import { navigate } from '../lib/route';

export function canResume(run: RunInfo): boolean {
  return run.kind === 'train' && (run.status === 'interrupted' || run.status === 'cancelled' || run.status === 'failed');
}

/**
 * "Continue training" where it can work; where it cannot (no checkpoint yet), the lab's reason in
 * its place, so no button is offered that can only fail.
 */
export function ResumeTrainingButton({ run, resume: can, size = 'sm' }: { run: RunInfo; resume?: RunDetail['resume']; size?: 'xs' | 'sm' }) {
  const [busy, setBusy] = useState(false);
  if (run.spec.kind !== 'train') return null;
  if (can && !can.possible) {
    return (
      <Text size="sm" data-testid="resume-unavailable">
        Continue training is not available. {can.reason}
      </Text>
    );
  }
  const spec = run.spec;
  const resume = async () => {
    setBusy(true);
    try {
      const next = await lab.submitTrain({ ...spec, name: `${run.name} (continued)`.slice(0, 200), resumeFrom: run.id });
      navigate(['train'], { run: next.id });
    } catch (err) {
      notifyError('Could not continue the training', err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Tooltip
      label="Starts a new run from this run's last finished epoch (weights, optimizer and method state), with the same settings."
      withArrow
      multiline
      maw={300}
    >
      <Button variant="light" size={size} onClick={resume} loading={busy} data-testid="resume-training">
        Continue training
      </Button>
    </Tooltip>
  );
}
