/** A corrupt job followed live: progress, ETA and Cancel, then a link to the dataset it made. */
import { Alert, Anchor, Button, Group, Loader, Paper, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { lab } from '../../api/client';
import type { DatasetInfo } from '../../../shared/schemas';
import { readDatasetRecipe } from '../../lib/corruptions';
import { formatInt } from '../../lib/format';
import { useLiveRun } from '../../lib/hooks';
import { href } from '../../lib/route';
import { RunProgress } from '../RunProgress';
import { StatusBadge } from '../StatusBadge';

/** The dataset a finished corrupt run wrote: its stored recipe names the run. */
function useProducedDataset(runId: string, finished: boolean, name: string): DatasetInfo | null {
  const [found, setFound] = useState<DatasetInfo | null>(null);
  useEffect(() => {
    if (!finished || found) return;
    let alive = true;
    lab.listDatasets({}).then(
      (list) => {
        if (!alive) return;
        setFound(list.find((d) => readDatasetRecipe(d)?.runId === runId) ?? list.find((d) => d.name === name) ?? null);
      },
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, [finished, found, runId, name]);
  return found;
}

export function CorruptJobPanel({ runId, onFinished }: { runId: string; onFinished?: (d: DatasetInfo) => void }) {
  const { detail, error, progress } = useLiveRun(runId);
  const run = detail?.run;
  const produced = useProducedDataset(runId, run?.status === 'finished', run?.name ?? '');
  useEffect(() => {
    if (produced) onFinished?.(produced);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [produced?.id]);

  if (error && !detail) {
    return (
      <Alert color="red" title="Could not follow the job">
        {error.message}
      </Alert>
    );
  }
  if (!run) return <Loader size="sm" aria-label="Loading the job" />;
  const images = run.latestMetrics.images;
  return (
    <Paper withBorder radius="md" p="sm" data-testid="corrupt-job" data-run-id={run.id} data-status={run.status}>
      <Stack gap="xs">
        <Group gap="xs" wrap="wrap">
          <Text fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
            Writing “{run.name}”
          </Text>
          <StatusBadge status={run.status} />
          <Anchor href={href(['runs', run.id])} size="xs">
            run details
          </Anchor>
        </Group>
        <RunProgress run={run} progress={progress} />
        {run.status === 'finished' && (
          <Alert color="green" title="Dataset saved" data-testid="corrupt-finished">
            <Stack gap={6}>
              <Text size="sm">
                {produced
                  ? `“${produced.name}” is in the lab${images ? ` with ${formatInt(images)} images` : ''}: ${produced.splits.train ? 'train on it, or evaluate a model on it' : 'it has test images only, so evaluate a model on it (to train, use the dataset it was made from)'}.`
                  : 'Looking up the new dataset…'}
              </Text>
              {produced && (
                <Group gap="xs">
                  <Button component="a" size="xs" href={href(['datasets', produced.id])} data-testid="open-new-dataset">
                    Open the new dataset
                  </Button>
                  {produced.splits.train ? (
                    <Button component="a" size="xs" variant="default" href={href(['train'], { dataset: produced.id })}>
                      Train on it
                    </Button>
                  ) : (
                    // Only test images: training is impossible, so offer what works instead.
                    <Button component="a" size="xs" variant="default" href={href(['evaluate'], { dataset: produced.id })} data-testid="evaluate-on-new">
                      Evaluate a model on it (it has no training images)
                    </Button>
                  )}
                </Group>
              )}
            </Stack>
          </Alert>
        )}
        {run.status === 'failed' && (
          <Alert color="red" title="The dataset was not saved" data-testid="corrupt-failed">
            {run.error ?? 'The job stopped with an error.'} Nothing was half-saved.
          </Alert>
        )}
        {(run.status === 'cancelled' || run.status === 'interrupted') && (
          <Alert color="orange" title={run.status === 'cancelled' ? 'Cancelled' : 'Interrupted'}>
            No dataset was written. Save again to start over.
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
