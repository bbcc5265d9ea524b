/**
 * Train: presets first (plain, robust, certified, noisy labels), then dataset, network and the
 * training method (grouped by family, with what each trades), the per-epoch robustness checks
 * that feed the live charts, and advanced settings folded away; then the live run panel.
 * The form's sections live in src/renderer/components/train/.
 */
import { Alert, Anchor, Button, Loader } from '@mantine/core';
import { lab } from '../api/client';
import { TrainLinkNotice } from '../components/help/LinkNotice';
import { LiveRunPanel } from '../components/LiveRunPanel';
import { EmptyState, PageHeader } from '../components/PageHeader';
import { TrainFormView } from '../components/train/TrainForm';
import { useLoad } from '../lib/hooks';
import { href } from '../lib/route';

export function TrainPage({ runId, datasetParam, cloneFrom }: { runId?: string; datasetParam?: string; cloneFrom?: string }) {
  // `#/train?clone=<run>`: the form starts from that run's stored spec.
  const clone = useLoad(() => (cloneFrom ? lab.getRun({ runId: cloneFrom }) : Promise.resolve(null)), [cloneFrom]);
  const cloneSpec = clone.data?.run.spec.kind === 'train' ? clone.data.run.spec : undefined;
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const archs = useLoad(() => lab.listArchitectures({}), []);
  const methods = useLoad(() => lab.listMethods({}), []);
  const models = useLoad(() => lab.listModels({}), []);
  const err = datasets.error ?? archs.error ?? methods.error;

  return (
    <>
      <PageHeader
        title="Train"
        subtitle="Teach a network to recognise the images of a dataset, plainly or robustly. Pick a preset, adjust it if you like, and start."
        actions={
          runId ? (
            <Button variant="default" component="a" href={href(['train'])} data-testid="new-training">
              New training
            </Button>
          ) : undefined
        }
      />
      {runId ? (
        <LiveRunPanel runId={runId} />
      ) : err ? (
        <Alert color="red" title="Could not load the training choices">
          {err.message}
        </Alert>
      ) : !datasets.data || !archs.data || !methods.data || (cloneFrom && clone.loading) ? (
        <Loader size="sm" aria-label="Loading" />
      ) : datasets.data.filter((d) => d.splits.train).length === 0 ? (
        <EmptyState title="No dataset with training images">
          Import one on the <Anchor href={href(['datasets'])} inherit>Datasets</Anchor> page first.
        </EmptyState>
      ) : (
        <>
          <TrainLinkNotice datasets={datasets.data} datasetParam={datasetParam} />
          <TrainFormView
            key={`${datasetParam ?? ''}|${cloneFrom ?? ''}`}
            cloneSpec={cloneSpec}
            datasets={datasets.data}
            archs={archs.data}
            methods={methods.data}
            models={models.data ?? []}
            datasetParam={datasetParam}
          />
        </>
      )}
    </>
  );
}
