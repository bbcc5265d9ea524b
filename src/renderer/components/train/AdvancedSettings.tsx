/**
 * Train: the folded advanced settings (epochs, images, optimizer, schedule, warm-up, seed).
 */
import { Accordion, NativeSelect, NumberInput, SimpleGrid } from '@mantine/core';
import { formatInt } from '../../lib/format';
import { toNum, type SetField, type SetForm, type TrainForm } from './trainForm';

export function AdvancedSettings({
  form,
  set,
  setForm,
  trainCount,
  testCount,
}: {
  form: TrainForm;
  set: SetField;
  setForm: SetForm;
  trainCount: number | undefined;
  testCount: number | undefined;
}) {
  return (
    <Accordion.Item value="advanced">
      <Accordion.Control data-testid="train-advanced">Advanced settings: epochs, images, optimizer, schedule, seed…</Accordion.Control>
      <Accordion.Panel>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md" verticalSpacing="sm">
          <NumberInput
            label="Epochs"
            description="Passes over the training images. 1 to 1000."
            value={form.epochs}
            onChange={(v) => set('epochs', toNum(v))}
            min={1}
            max={1000}
            allowDecimal={false}
            data-testid="train-epochs"
          />
          <NumberInput
            label="Batch size"
            description="Images per training step. 1 to 4096; 32–128 is typical."
            value={form.batchSize}
            onChange={(v) => set('batchSize', toNum(v))}
            min={1}
            max={4096}
            allowDecimal={false}
            data-testid="train-batch"
          />
          <NumberInput
            label="Training images (limit)"
            description={`Use only the first K training images. Empty: all${trainCount !== undefined ? ` ${formatInt(trainCount)}` : ''}.`}
            value={form.limit}
            onChange={(v) => set('limit', toNum(v))}
            min={1}
            max={trainCount}
            allowDecimal={false}
            placeholder="all"
            data-testid="train-limit"
          />
          <NumberInput
            label="Test images per check"
            description={`After each epoch, accuracy is measured on the first K test images. Empty: all${testCount !== undefined ? ` ${formatInt(testCount)}` : ''}.`}
            value={form.testLimit}
            onChange={(v) => set('testLimit', toNum(v))}
            min={1}
            max={testCount}
            allowDecimal={false}
            placeholder="all"
            data-testid="train-test-limit"
          />
          <NativeSelect
            label="Optimizer"
            description="How the weights are updated. SGD with momentum is the classic; Adam adapts step sizes."
            value={form.optimizer}
            onChange={(e) => {
              const o = e.currentTarget.value as 'sgd' | 'adam';
              setForm((f) => ({ ...f, optimizer: o, lr: o === 'adam' ? 0.001 : 0.05, preset: null }));
            }}
            data={[
              { value: 'sgd', label: 'SGD with momentum' },
              { value: 'adam', label: 'Adam' },
            ]}
            data-testid="train-optimizer"
          />
          <NumberInput
            label="Learning rate"
            description="Size of each update. Above 0, at most 10; typical 0.01–0.1 for SGD, 0.001 for Adam."
            value={form.lr}
            onChange={(v) => set('lr', toNum(v))}
            min={0}
            max={10}
            step={form.optimizer === 'adam' ? 0.0005 : 0.01}
            decimalScale={6}
            data-testid="train-lr"
          />
          {form.optimizer === 'sgd' && (
            <NumberInput
              label="Momentum"
              description="How much of the previous update carries over. 0 to 0.999; 0.9 is typical."
              value={form.momentum}
              onChange={(v) => set('momentum', toNum(v))}
              min={0}
              max={0.999}
              step={0.05}
              decimalScale={3}
              data-testid="train-momentum"
            />
          )}
          <NumberInput
            label="Weight decay"
            description="Pulls weights towards zero to reduce overfitting. 0 to 1; 0.0005 is typical, 0 turns it off."
            value={form.weightDecay}
            onChange={(v) => set('weightDecay', toNum(v))}
            min={0}
            max={1}
            step={0.0001}
            decimalScale={6}
            data-testid="train-wd"
          />
          <NativeSelect
            label="Learning-rate schedule"
            description="How the learning rate changes over the epochs."
            value={form.schedule}
            onChange={(e) => set('schedule', e.currentTarget.value as TrainForm['schedule'])}
            data={[
              { value: 'constant', label: 'Constant' },
              { value: 'step', label: 'Step: multiply every few epochs' },
              { value: 'cosine', label: 'Cosine: smooth decrease' },
            ]}
            data-testid="train-schedule"
          />
          {form.schedule === 'step' && (
            <>
              <NumberInput
                label="Epochs per step"
                description="The learning rate drops every this many epochs. At least 1."
                value={form.stepEpochs}
                onChange={(v) => set('stepEpochs', toNum(v))}
                min={1}
                allowDecimal={false}
              />
              <NumberInput
                label="Step factor"
                description="Multiplier at each drop. Above 0, at most 1; 0.1 is typical."
                value={form.gamma}
                onChange={(v) => set('gamma', toNum(v))}
                min={0}
                max={1}
                step={0.05}
                decimalScale={4}
              />
            </>
          )}
          {form.schedule === 'cosine' && (
            <NumberInput
              label="Final learning rate"
              description="The learning rate at the end of training. 0 or more."
              value={form.minLr}
              onChange={(v) => set('minLr', toNum(v))}
              min={0}
              step={0.001}
              decimalScale={6}
            />
          )}
          <NumberInput
            label="Learning-rate warm-up (epochs)"
            description="Raise the learning rate from 0 over the first W epochs (fractions allowed), then follow the schedule. 0 turns it off."
            value={form.warmupEpochs}
            onChange={(v) => set('warmupEpochs', toNum(v))}
            min={0}
            max={1000}
            step={0.5}
            decimalScale={3}
            data-testid="train-warmup"
          />
          <NumberInput
            label="Seed"
            description="Fixes the random start and shuffling, so the run can be repeated. 0 to 2,147,483,647."
            value={form.seed}
            onChange={(v) => set('seed', toNum(v))}
            min={0}
            max={2 ** 31 - 1}
            allowDecimal={false}
            data-testid="train-seed"
          />
        </SimpleGrid>
      </Accordion.Panel>
    </Accordion.Item>
  );
}
