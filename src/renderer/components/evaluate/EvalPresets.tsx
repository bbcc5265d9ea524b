/**
 * Evaluate, step 2: the preset cards (a warning on Certified when the model's network cannot be certified).
 */
import { SimpleGrid, Text } from '@mantine/core';
import type { ModelInfo } from '../../../shared/schemas';
import { PresetCard } from '../PresetCard';
import { PRESETS, type Preset, type PresetId } from './evalForm';

export function EvalPresets({
  preset,
  model,
  certifiable,
  certifiableNames,
  available,
  choosePreset,
}: {
  preset: PresetId;
  model: ModelInfo | undefined;
  certifiable: boolean;
  certifiableNames: string[];
  available: (p: Preset) => boolean;
  choosePreset: (p: Preset) => void;
}) {
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm" role="radiogroup" aria-labelledby="how-title" mb="md">
      {PRESETS.map((p) => {
        const ok = available(p);
        const active = preset === p.id;
        const warn = p.id === 'certified' && !certifiable && model ? `Not for ${model.arch} models: certification works for ${certifiableNames.join(', ')}.` : null;
        return (
          <PresetCard
            key={p.id}
            title={p.title}
            description={p.description}
            active={active}
            available={ok}
            unavailableText="This preset needs attacks this lab does not have."
            onChoose={() => choosePreset(p)}
            testId={`eval-preset-${p.id}`}
          >
            {warn && (
              <Text size="xs" c="orange" mt={4}>
                {warn}
              </Text>
            )}
          </PresetCard>
        );
      })}
    </SimpleGrid>
  );
}
