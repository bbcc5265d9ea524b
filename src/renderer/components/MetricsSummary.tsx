/** The latest value of each metric, as small labelled numbers. */
import { Group, Paper, Stack, Text, Tooltip } from '@mantine/core';
import { formatMetric, isPrimaryMetric, metricLabel } from '../lib/format';

const HELP: Record<string, string> = {
  'train/loss': 'How wrong the model is on the training images (latest logged batches); lower is better.',
  'train/epoch_loss': 'Average training loss over the last epoch; lower is better.',
  'test/loss': 'How wrong the model is on test images it never trained on; lower is better.',
  'train/accuracy': 'Share of training images labelled correctly.',
  'test/accuracy': 'Share of test images (never seen in training) labelled correctly.',
  clean_accuracy: 'Share of unmodified test images labelled correctly.',
  robust_accuracy:
    'Share of images still labelled correctly after the attack changed each pixel by at most eps.',
};

const ORDER = ['test/accuracy', 'clean_accuracy', 'robust_accuracy', 'train/accuracy', 'test/loss', 'train/loss'];

export function MetricsSummary({ latest }: { latest: Record<string, number> }) {
  const keys = Object.keys(latest).sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  if (keys.length === 0) return null;
  // Per-corruption accuracies of a corruption benchmark belong to its heatmap, not to the tiles.
  const tile = (k: string) => isPrimaryMetric(k) && !k.startsWith('corruption_accuracy/');
  const primary = keys.filter(tile);
  const secondary = keys.filter((k) => !tile(k));
  return (
    <Stack gap={6} data-testid="metrics-summary">
      <Group gap="sm" wrap="wrap">
        {primary.map((k) => (
          <Tooltip key={k} label={HELP[k] ?? metricLabel(k)} withArrow multiline maw={300}>
            <Paper withBorder radius="sm" px="sm" py={6} tabIndex={0} data-testid={`metric-${k}`}>
              <Text size="xs" c="dimmed">
                {metricLabel(k)}
              </Text>
              <Text fw={700} size="lg">
                {formatMetric(k, latest[k])}
              </Text>
            </Paper>
          </Tooltip>
        ))}
      </Group>
      {secondary.length > 0 && (
        <Text size="xs" c="dimmed">
          {secondary.map((k) => `${metricLabel(k)}: ${formatMetric(k, latest[k])}`).join(' · ')}
        </Text>
      )}
    </Stack>
  );
}
