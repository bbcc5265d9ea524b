/**
 * Evaluate: model + dataset, presets first (Quick check, Standard report, Curve, Certified, Clean),
 * any attack of the registry with its generated form under "Custom", then each run followed live
 * (progress, ETA, Cancel) and its report below the form when it finishes. `#/evaluate?clone=<run>`
 * starts the form from that evaluation's stored spec (attack, settings and all).
 * The form's sections live in src/renderer/components/evaluate/.
 */
import { Alert, Anchor, Loader } from '@mantine/core';
import { lab } from '../api/client';
import { EvalForm } from '../components/evaluate/EvalForm';
import { EmptyState, PageHeader } from '../components/PageHeader';
import { useLoad } from '../lib/hooks';
import { href } from '../lib/route';

export function EvaluatePage({ modelParam, datasetParam, runId, cloneFrom }: { modelParam?: string; datasetParam?: string; runId?: string; cloneFrom?: string }) {
  const clone = useLoad(() => (cloneFrom ? lab.getRun({ runId: cloneFrom }) : Promise.resolve(null)), [cloneFrom]);
  // The corruption benchmark is made on the Corruptions page, not here.
  const cloned = clone.data?.run.spec.kind === 'eval' && !clone.data.run.spec.benchmark ? { spec: clone.data.run.spec, name: clone.data.run.name } : undefined;
  const models = useLoad(() => lab.listModels({}), []);
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const attacks = useLoad(() => lab.listAttacks({}), []);
  const archs = useLoad(() => lab.listArchitectures({}), []);
  const err = models.error ?? datasets.error ?? attacks.error ?? archs.error;

  return (
    <>
      <PageHeader
        title="Evaluate"
        subtitle="Measure how often a model is right, on clean images and under attacks that change each pixel a little. Pick a preset, check the images, run."
      />
      {err ? (
        <Alert color="red" title="Could not load the evaluation choices">
          {err.message}
        </Alert>
      ) : !models.data || !datasets.data || !attacks.data || !archs.data || (cloneFrom && clone.loading) ? (
        <Loader size="sm" aria-label="Loading" />
      ) : models.data.length === 0 ? (
        <EmptyState title="No models yet">
          Train one on the <Anchor href={href(['train'])} inherit>Train</Anchor> page, or import safetensors weights on the{' '}
          <Anchor href={href(['models'])} inherit>Models</Anchor> page.
        </EmptyState>
      ) : (
        <EvalForm
          key={cloneFrom ?? ''}
          clone={cloned}
          models={models.data}
          datasets={datasets.data}
          attacks={attacks.data}
          archs={archs.data}
          modelParam={modelParam}
          datasetParam={datasetParam}
          runIds={(runId ?? '').split(',').filter(Boolean)}
        />
      )}
    </>
  );
}
