/**
 * What a link or address that names a dataset or model gets: the page selects it, or says why it
 * can't (not in this lab; no training images) and offers what makes sense instead. Nothing is
 * switched silently.
 */
import { Alert, Button, Group, Text } from '@mantine/core';
import type { DatasetInfo } from '../../../shared/schemas';
import { findDataset } from '../../lib/names';
import { href } from '../../lib/route';

/** The address names something that is not in this lab. */
export function MissingLink({ kind, name, showing }: { kind: 'model' | 'dataset'; name: string; showing?: string }) {
  return (
    <Alert color="orange" title={`No ${kind} “${name}” in this lab`} mb="md" data-testid={`missing-${kind}`}>
      The address names the {kind} “{name}”, but there is none by that name or id (it may have been deleted or renamed).
      {showing ? ` The form shows “${showing}” instead; choose another below.` : ` Choose one below.`}
    </Alert>
  );
}

/** Train page: the address names a dataset that cannot be trained on (or is unknown). */
export function TrainLinkNotice({ datasets, datasetParam }: { datasets: DatasetInfo[]; datasetParam?: string }) {
  if (!datasetParam) return null;
  const d = findDataset(datasets, datasetParam);
  if (!d) return <MissingLink kind="dataset" name={datasetParam} />;
  if (d.splits.train) return null;
  return <NoTrainSplit dataset={d} parent={findDataset(datasets, d.parentId)} />;
}

/**
 * A dataset with only test images cannot be trained on: say so where the Train button would be,
 * and offer what works — train on the dataset it was made from, evaluate or benchmark on this one.
 */
export function NoTrainSplit({ dataset, parent }: { dataset: DatasetInfo; parent: DatasetInfo | undefined }) {
  const parentTrains = !!parent?.splits.train;
  return (
    <Alert color="blue" title="No training images in this dataset" mb="sm" data-testid="no-train-split">
      <Text size="sm">
        “{dataset.name}” has only test images, so no model can be trained on it.
        {parentTrains ? ` Train on “${parent!.name}”, the dataset it was made from, then test the model here.` : ' Use it to test models.'}
      </Text>
      <Group gap="xs" mt="xs">
        {parentTrains && (
          <Button size="xs" variant="light" component="a" href={href(['train'], { dataset: parent!.id })} data-testid="train-on-parent">
            Train on “{parent!.name}”
          </Button>
        )}
        <Button size="xs" variant="light" component="a" href={href(['evaluate'], { dataset: dataset.id })} data-testid="evaluate-on-this">
          Evaluate a model on this dataset
        </Button>
        <Button size="xs" variant="default" component="a" href={href(['corruptions'], { dataset: dataset.id, tab: 'benchmark' })} data-testid="benchmark-on-this">
          Run a corruption benchmark on it
        </Button>
      </Group>
    </Alert>
  );
}

