/**
 * Train, step 1: the preset cards.
 */
import { SimpleGrid, Title } from '@mantine/core';
import type { ArchitectureInfo, MethodEntry } from '../../../shared/schemas';
import { PresetCard } from '../PresetCard';
import { applyPreset, PRESETS, type SetForm, type TrainForm } from './trainForm';

export function PresetsSection({ form, setForm, archs, methods }: { form: TrainForm; setForm: SetForm; archs: ArchitectureInfo[]; methods: MethodEntry[] }) {
  return (
  <section aria-labelledby="presets-title">
    <Title order={2} size="h4" id="presets-title" mb="xs">
      1. Choose a preset
    </Title>
    <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm" role="radiogroup" aria-labelledby="presets-title">
      {PRESETS.map((p) => {
        const active = form.preset === p.id;
        const ok = methods.some((m) => m.name === p.method);
        return (
          <PresetCard
            key={p.id}
            title={p.title}
            description={p.description}
            active={active}
            available={ok}
            unavailableText="This lab has no such training method."
            onChoose={() => setForm((f) => applyPreset(f, p, archs, methods))}
            testId={`preset-${p.id}`}
          />
        );
      })}
    </SimpleGrid>
  </section>
  );
}
