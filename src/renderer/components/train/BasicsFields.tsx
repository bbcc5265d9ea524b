/**
 * Train, step 2: dataset, run name, architecture and training method (grouped by family).
 */
import { NativeSelect, SimpleGrid, TextInput } from '@mantine/core';
import { useMemo } from 'react';
import type { ArchitectureInfo, DatasetInfo, ModelInfo, MethodEntry } from '../../../shared/schemas';
import { groupMethods } from '../../lib/methods';
import type { SetField, TrainForm } from './trainForm';

export function BasicsFields({
  form,
  set,
  chooseMethod,
  trainable,
  archs,
  methods,
  initModel,
}: {
  form: TrainForm;
  set: SetField;
  chooseMethod: (name: string) => void;
  trainable: DatasetInfo[];
  archs: ArchitectureInfo[];
  methods: MethodEntry[];
  initModel: ModelInfo | undefined;
}) {
  const arch = archs.find((a) => a.name === form.arch);
  const groups = useMemo(() => groupMethods(methods), [methods]);
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
      <NativeSelect
        label="Dataset"
        description="The images to learn from; only datasets with a training split are listed."
        value={form.dataset}
        onChange={(e) => set('dataset', e.currentTarget.value)}
        data={trainable.map((d) => ({ value: d.id, label: d.name }))}
        data-testid="train-dataset"
      />
      <TextInput
        label="Run name (optional)"
        description="How the run and its model are listed; up to 200 characters. Empty: a name is made up."
        value={form.name}
        maxLength={200}
        onChange={(e) => set('name', e.currentTarget.value)}
        data-testid="train-name"
      />
      <NativeSelect
        label="Architecture"
        description={
          initModel
            ? `Fine-tuning keeps the network of “${initModel.name}” (${initModel.arch}).`
            : arch
              ? `${arch.title}: ${arch.description}`
              : 'The network to train.'
        }
        value={form.arch}
        onChange={(e) => set('arch', e.currentTarget.value)}
        data={archs.map((a) => ({ value: a.name, label: `${a.name} — ${a.title}` }))}
        disabled={!!initModel}
        inputWrapperOrder={['label', 'input', 'description', 'error']}
        data-testid="train-arch"
      />
      <NativeSelect
        label="Training method"
        description="How the network learns. Grouped by what it protects against; the card below says what each one trades."
        value={form.method}
        onChange={(e) => chooseMethod(e.currentTarget.value)}
        data={groups.map((g) => ({ group: g.family.title, items: g.entries.map((m) => ({ value: m.name, label: m.title })) }))}
        inputWrapperOrder={['label', 'input', 'description', 'error']}
        data-testid="train-method"
      />
    </SimpleGrid>
  );
}
