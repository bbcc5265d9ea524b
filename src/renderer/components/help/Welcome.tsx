/**
 * First contact: a panel with the three steps (pick data, train, evaluate) shown until the person
 * dismisses it, reachable again from the Help button in the header, and a quick tour that trains a
 * tiny model on the built-in digits and then checks it under a small attack, opening each run as
 * it goes.
 */
import { Alert, Button, CloseButton, Group, List, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { lab } from '../../api/client';
import { LabError } from '../../../shared/errors';
import type { EvalSpecInput, TrainSpecInput } from '../../../shared/schemas';
import { useLabEvents } from '../../lib/hooks';
import { href, navigate } from '../../lib/route';

const DISMISSED_KEY = 'robustlab-welcome-dismissed';
const TOUR_KEY = 'robustlab-quick-tour';
const SHOW_EVENT = 'robustlab:show-welcome';

/** The tour's two runs: small enough to finish in well under a minute on a laptop. */
export const TOUR_TRAIN: TrainSpecInput = {
  kind: 'train',
  name: 'Quick tour: tiny network on digits',
  dataset: 'mnist-digits',
  arch: 'mlp',
  epochs: 1,
  batchSize: 50,
  optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
  limit: 1000,
  testLimit: 500,
  seed: 0,
};
export const tourEval = (model: string): EvalSpecInput => ({
  kind: 'eval',
  name: 'Quick tour: check under a small attack',
  model,
  dataset: 'mnist-digits',
  attack: { name: 'fgsm', params: { eps: 0.1 } },
  limit: 200,
});

function readDismissed(): boolean {
  try {
    return localStorage.getItem(DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}

/** Shows the welcome panel again (the Help button). */
export function showWelcome(): void {
  try {
    localStorage.removeItem(DISMISSED_KEY);
  } catch {
    /* storage may be off */
  }
  window.dispatchEvent(new Event(SHOW_EVENT));
  navigate(['datasets']);
}

export function Welcome() {
  const [hidden, setHidden] = useState(readDismissed);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const show = () => setHidden(false);
    window.addEventListener(SHOW_EVENT, show);
    return () => window.removeEventListener(SHOW_EVENT, show);
  }, []);
  if (hidden) return null;
  const dismiss = () => {
    try {
      localStorage.setItem(DISMISSED_KEY, '1');
    } catch {
      /* storage may be off */
    }
    setHidden(true);
  };
  const startTour = async () => {
    setBusy(true);
    setError(null);
    try {
      const run = await lab.submitTrain(TOUR_TRAIN);
      sessionStorage.setItem(TOUR_KEY, run.id);
      navigate(['runs', run.id]);
    } catch (err) {
      setError(LabError.from(err).message);
    } finally {
      setBusy(false);
    }
  };
  const step = (n: number) => (
    <ThemeIcon size={24} radius="xl" variant="filled">
      <Text size="sm" fw={700} c="white" component="span">
        {n}
      </Text>
    </ThemeIcon>
  );
  return (
    <Paper withBorder radius="md" p="md" mb="lg" component="section" aria-labelledby="welcome-title" data-testid="welcome">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap="xs">
          <Title order={2} size="h4" id="welcome-title">
            Welcome — how far can an image classifier be pushed before it breaks?
          </Title>
          <List spacing="xs" center>
            <List.Item icon={step(1)}>
              <b>Pick data.</b> Start with the built-in handwritten digits below, import your own (IDX files), or make a corrupted copy in{' '}
              <a href={href(['corruptions'])}>Corruptions</a>.
            </List.Item>
            <List.Item icon={step(2)}>
              <b>Train a model</b> on the <a href={href(['train'])}>Train</a> page: choose a preset and press Start; progress shows live.
            </List.Item>
            <List.Item icon={step(3)}>
              <b>Evaluate it</b> on the <a href={href(['evaluate'])}>Evaluate</a> page: attack it or corrupt its images and read, in plain words,
              how much accuracy it keeps.
            </List.Item>
          </List>
          <Group gap="xs" mt="xs">
            <Button onClick={startTour} loading={busy} data-testid="start-tour">
              Run the quick tour on the built-in digits
            </Button>
            <Text size="sm" c="dimmed">
              Trains a tiny network on 1,000 digits (about a minute), then checks it under a small attack.
            </Text>
          </Group>
          {error && (
            <Alert color="red" title="The tour could not start">
              {error}
            </Alert>
          )}
        </Stack>
        <CloseButton onClick={dismiss} aria-label="Hide the welcome panel (Help shows it again)" data-testid="dismiss-welcome" />
      </Group>
    </Paper>
  );
}

/**
 * Follows the quick tour across pages: when its training run finishes, starts the check and opens
 * it; when that finishes, the run page shows the report.
 */
export function QuickTourFollower() {
  useLabEvents((e) => {
    if (e.type !== 'run') return;
    const id = sessionStorage.getItem(TOUR_KEY);
    if (!id || e.runId !== id) return;
    if (e.status === 'finished') {
      sessionStorage.removeItem(TOUR_KEY);
      void lab.getRun({ runId: id }).then(async (d) => {
        if (!d.run.modelId) return;
        const ev = await lab.submitEval(tourEval(d.run.modelId));
        navigate(['runs', ev.id]);
      });
    } else if (e.status === 'failed' || e.status === 'cancelled' || e.status === 'interrupted') {
      sessionStorage.removeItem(TOUR_KEY);
    }
  });
  return null;
}
