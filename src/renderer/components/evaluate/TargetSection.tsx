/**
 * Evaluate, step 1: the model and the dataset, with a warning when they do not fit.
 */
import { Alert, NativeSelect, SimpleGrid, Title } from '@mantine/core';
import type { DatasetInfo, ModelInfo } from '../../../shared/schemas';
import { datasetShape, modelShape } from '../../lib/names';

export function TargetSection({
  model,
  dataset,
  modelId,
  datasetId,
  sortedModels,
  datasets,
  mismatch,
  setModelId,
  setDatasetId,
}: {
  model: ModelInfo | undefined;
  dataset: DatasetInfo | undefined;
  modelId: string;
  datasetId: string;
  sortedModels: ModelInfo[];
  datasets: DatasetInfo[];
  mismatch: boolean;
  setModelId: (id: string) => void;
  setDatasetId: (id: string) => void;
}) {
  return (
  <section aria-labelledby="what-title">
    <Title order={2} size="h4" id="what-title" mb="xs">
      1. What to evaluate
    </Title>
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
      <NativeSelect
        label="Model"
        description={model ? `${model.arch}, input ${modelShape(model)}, ${model.numClasses} classes.` : 'The trained or imported model to test.'}
        value={modelId}
        onChange={(e) => setModelId(e.currentTarget.value)}
        data={sortedModels.map((m) => ({ value: m.id, label: `${m.name} (${m.arch})` }))}
        data-testid="eval-model"
      />
      <NativeSelect
        label="Dataset"
        description={dataset ? `${datasetShape(dataset)} images, ${dataset.numClasses} classes.` : 'The images to test on.'}
        value={datasetId}
        onChange={(e) => setDatasetId(e.currentTarget.value)}
        data={datasets.map((d) => ({ value: d.id, label: d.name }))}
        data-testid="eval-dataset"
      />
    </SimpleGrid>
    {mismatch && model && dataset && (
      <Alert color="orange" mt="sm" role="alert">
        This model expects {modelShape(model)} images in {model.numClasses} classes, but {dataset.name} has{' '}
        {datasetShape(dataset)} images in {dataset.numClasses} classes. Choose a matching dataset.
      </Alert>
    )}
  </section>
  );
}
