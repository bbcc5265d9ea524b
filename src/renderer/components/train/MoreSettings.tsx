/**
 * Train: validation split, which epoch to keep, fine-tuning and early stopping.
 */
import { Accordion, NativeSelect, NumberInput, SimpleGrid, Stack, Switch } from '@mantine/core';
import { modelFitProblem } from '../../../shared/model-fit';
import type { DatasetInfo, ModelInfo } from '../../../shared/schemas';
import { modelShape } from '../../lib/names';
import { toNum, type Selection, type SetField, type SetForm, type TrainForm } from './trainForm';

export function MoreSettings({
  form,
  set,
  setForm,
  models,
  dataset,
}: {
  form: TrainForm;
  set: SetField;
  setForm: SetForm;
  models: ModelInfo[];
  dataset: DatasetInfo | undefined;
}) {
  // Models this dataset can fine-tune: the rule core applies (src/shared/model-fit.ts).
  const fitting = models.filter((m) => dataset && modelFitProblem(m, dataset) === null);
  return (
    <Accordion.Item value="more">
      <Accordion.Control data-testid="train-more">Validation, early stopping, best epoch, fine-tuning</Accordion.Control>
      <Accordion.Panel>
        <Stack gap="md">
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md" verticalSpacing="sm">
            <NumberInput
              label="Validation split"
              description="Hold out this share of the training images to choose epochs on, so the test images stay untouched. 0 to 50 %; 0 uses the test images."
              value={form.valPercent}
              onChange={(v) => set('valPercent', toNum(v))}
              min={0}
              max={50}
              step={5}
              suffix=" %"
              decimalScale={1}
              data-testid="train-val"
            />
            <NativeSelect
              label="Keep the weights of"
              description="The model saved at the end: the last epoch, or the epoch that was best by this accuracy (on the validation split when there is one)."
              value={form.keepBest}
              onChange={(e) => set('keepBest', e.currentTarget.value as TrainForm['keepBest'])}
              data={[
                { value: 'last', label: 'The last epoch' },
                { value: 'clean', label: 'The best epoch by clean accuracy' },
                { value: 'robust', label: 'The best epoch by accuracy under PGD' },
                { value: 'certified', label: 'The best epoch by certified accuracy' },
              ]}
              data-testid="train-keep-best"
            />
            <NativeSelect
              label="Fine-tune from a model"
              description={
                fitting.length
                  ? 'Start from the weights of an existing model instead of random ones (its network is kept).'
                  : 'No model that fits this dataset yet; train or import one first.'
              }
              value={form.initModel}
              onChange={(e) => {
                const id = e.currentTarget.value;
                const m = models.find((x) => x.id === id);
                setForm((f) => ({ ...f, initModel: id, arch: m ? m.arch : f.arch, preset: null }));
              }}
              data={[
                { value: '', label: 'No: start from random weights' },
                ...fitting.map((m) => ({ value: m.id, label: `${m.name} (${m.arch}, ${modelShape(m)})` })),
              ]}
              disabled={fitting.length === 0}
              data-testid="train-init-model"
            />
          </SimpleGrid>
          <Switch
            label="Stop early when it stops improving"
            description="Ends training when the chosen accuracy (on the validation split, else the test images) has not improved for a number of epochs."
            checked={form.earlyStop}
            onChange={(e) => set('earlyStop', e.currentTarget.checked)}
            data-testid="train-early-stop"
          />
          {form.earlyStop && (
            <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="md">
              <NativeSelect
                label="Watch"
                description="What must keep improving."
                value={form.esMetric}
                onChange={(e) => set('esMetric', e.currentTarget.value as Selection)}
                data={[
                  { value: 'clean', label: 'Clean accuracy' },
                  { value: 'robust', label: 'Accuracy under PGD' },
                  { value: 'certified', label: 'Certified accuracy' },
                  { value: 'loss', label: 'Loss' },
                ]}
                data-testid="train-es-metric"
              />
              <NumberInput
                label="Patience"
                description="Epochs without improvement before stopping. 1 to 1000."
                value={form.esPatience}
                onChange={(v) => set('esPatience', toNum(v))}
                min={1}
                max={1000}
                allowDecimal={false}
              />
              <NumberInput
                label="Smallest improvement"
                description="A change below this does not count (accuracy as a fraction, e.g. 0.001 = 0.1 point). 0 or more."
                value={form.esMinDelta}
                onChange={(v) => set('esMinDelta', toNum(v))}
                min={0}
                step={0.001}
                decimalScale={5}
              />
            </SimpleGrid>
          )}
        </Stack>
      </Accordion.Panel>
    </Accordion.Item>
  );
}
