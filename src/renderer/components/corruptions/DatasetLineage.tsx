/**
 * Where a corrupted dataset came from: its parent, the recipe (steps, seed, splits), what the
 * job measured (label-noise rate, poisoned images, images kept), and "Re-generate from recipe".
 */
import { Alert, Anchor, Button, Group, List, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { lab } from '../../api/client';
import type { DatasetInfo } from '../../../shared/schemas';
import { readDatasetRecipe, stepText } from '../../lib/corruptions';
import { useCorruptionRegistry } from '../../lib/useCorruptionRegistry';
import { formatInt, formatPercent } from '../../lib/format';
import { notifyError } from '../../lib/notify';
import { href } from '../../lib/route';
import { CorruptJobPanel } from './CorruptJobPanel';

export function DatasetLineage({
  dataset,
  datasets,
  onRegenerated,
}: {
  dataset: DatasetInfo;
  datasets: DatasetInfo[];
  onRegenerated?: () => void;
}) {
  const recipe = readDatasetRecipe(dataset);
  const registry = useCorruptionRegistry();
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  if (!dataset.parentId && !recipe) return null;
  const parent = datasets.find((d) => d.id === dataset.parentId);
  const parentName = parent?.name ?? recipe?.parent?.name ?? dataset.parentId ?? 'unknown';
  const canRegenerate = !!recipe && recipe.createdBy === 'corrupt' && !!parent;

  const regenerate = async () => {
    setBusy(true);
    try {
      const run = await lab.regenerateDataset({ dataset: dataset.id });
      setJobId(run.id);
    } catch (err) {
      notifyError('Could not re-generate the dataset', err);
    } finally {
      setBusy(false);
    }
  };

  const reports = (['train', 'test'] as const).flatMap((s) => {
    const r = recipe?.report[s];
    if (!r) return [];
    const parts: string[] = [];
    if (typeof r.count === 'number') {
      parts.push(
        r.sourceCount !== undefined && r.sourceCount !== r.count
          ? `${formatInt(r.count)} of ${formatInt(r.sourceCount)} images kept`
          : `${formatInt(r.count)} images`,
      );
    }
    if (typeof r.labelNoiseRate === 'number') parts.push(`measured label-noise rate ${formatPercent(r.labelNoiseRate)}`);
    if (typeof r.poisoned === 'number') parts.push(`${formatInt(r.poisoned)} images carry the backdoor trigger`);
    return parts.length ? [`${s === 'train' ? 'Training' : 'Test'} split: ${parts.join(', ')}.`] : [];
  });

  return (
    <Paper withBorder radius="md" p="md" mb="lg" component="section" aria-labelledby="lineage-title" data-testid="dataset-lineage">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="sm" align="flex-start">
          <div style={{ minWidth: 0 }}>
            <Title order={2} size="h4" id="lineage-title">
              Lineage of {dataset.name}
            </Title>
            <Text size="sm" data-testid="dataset-parent">
              Made from{' '}
              {parent ? (
                <Anchor href={href(['datasets', parent.id])} fw={600}>
                  {parent.name}
                </Anchor>
              ) : (
                <Text span fw={600}>
                  {parentName} (no longer in the lab)
                </Text>
              )}{' '}
              by this recipe{recipe?.seed !== null && recipe?.seed !== undefined ? `, seed ${recipe.seed}` : ''}
              {recipe?.splits.length ? `, ${recipe.splits.join(' and ')} ${recipe.splits.length === 1 ? 'split' : 'splits'}` : ''}
              {recipe?.runId ? (
                <>
                  {' '}
                  (<Anchor href={href(['runs', recipe.runId])}>the run</Anchor>)
                </>
              ) : null}
              .
            </Text>
          </div>
          <Group gap="xs">
            {parent && (
              <Button variant="default" component="a" href={href(['corruptions'], { dataset: parent.id })}>
                New recipe on {parent.name}
              </Button>
            )}
            {canRegenerate && (
              <Button variant="light" onClick={regenerate} loading={busy} data-testid="regenerate-dataset">
                Re-generate from recipe
              </Button>
            )}
          </Group>
        </Group>
        {recipe && recipe.steps.length > 0 && (
          <List type="ordered" size="sm" spacing={2} data-testid="dataset-recipe">
            {recipe.steps.map((s, i) => (
              <List.Item key={i}>{stepText(s, registry)}</List.Item>
            ))}
          </List>
        )}
        {reports.map((r) => (
          <Text key={r} size="sm" c="dimmed">
            {r}
          </Text>
        ))}
        {canRegenerate && !jobId && (
          <Text size="xs" c="dimmed">
            Re-generating runs the same recipe and seed on {parent!.name} again and saves a copy; the images come out identical.
          </Text>
        )}
        {!canRegenerate && recipe && !parent && (
          <Alert color="yellow" variant="light">
            The parent dataset is gone, so this dataset cannot be made again from its recipe.
          </Alert>
        )}
        {jobId && <CorruptJobPanel runId={jobId} onFinished={() => onRegenerated?.()} />}
      </Stack>
    </Paper>
  );
}
