/**
 * Evaluate: the folded settings: gradient-masking checks, example images, batch size, seed, run name.
 */
import { Accordion, NumberInput, SimpleGrid, Stack, Switch, Text, TextInput } from '@mantine/core';
import type { Dispatch, SetStateAction } from 'react';
import { toNum } from './evalForm';

export interface EvalChecks {
  masking: boolean;
  unbounded: boolean;
  blackBox: boolean;
}

export function MoreEvalSettings({
  checks,
  setChecks,
  gallery,
  setGallery,
  batchSize,
  setBatchSize,
  seed,
  setSeed,
  name,
  setName,
}: {
  checks: EvalChecks;
  setChecks: Dispatch<SetStateAction<EvalChecks>>;
  gallery: number | '';
  setGallery: (v: number | '') => void;
  batchSize: number | '';
  setBatchSize: (v: number | '') => void;
  seed: number | '';
  setSeed: (v: number | '') => void;
  name: string;
  setName: (v: string) => void;
}) {
  return (
    <Accordion variant="contained">
      <Accordion.Item value="more">
        <Accordion.Control data-testid="eval-more">More settings: checks for misleading results, examples, batch size, seed, name</Accordion.Control>
        <Accordion.Panel>
          <Stack gap="md">
            <Stack gap={6}>
              <Text size="sm" fw={500}>
                Checks for gradient masking (results that look more robust than they are)
              </Text>
              <Switch
                label="Quick checks of outputs and gradients"
                description="Are the outputs probabilities or random? Are the gradients zero? Takes a second."
                checked={checks.masking}
                onChange={(e) => setChecks((c) => ({ ...c, masking: e.currentTarget.checked }))}
                data-testid="eval-check-masking"
              />
              <Switch
                label="Unlimited attack (eps = 1)"
                description="PGD allowed to change the image completely must reach chance accuracy; if not, the attack is being misled. One PGD run on 100 images."
                checked={checks.unbounded}
                onChange={(e) => setChecks((c) => ({ ...c, unbounded: e.currentTarget.checked }))}
                data-testid="eval-check-unbounded"
              />
              <Switch
                label="Black-box attack on the survivors"
                description="The Square attack, which ignores gradients, on the images the attack could not break. Slower; the strongest check."
                checked={checks.blackBox}
                onChange={(e) => setChecks((c) => ({ ...c, blackBox: e.currentTarget.checked }))}
                data-testid="eval-check-blackbox"
              />
            </Stack>
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="md">
              <NumberInput
                label="Example images"
                description="Clean / attacked / change triples kept for the report. 0 to 64."
                value={gallery}
                onChange={(v) => setGallery(toNum(v))}
                min={0}
                max={64}
                allowDecimal={false}
              />
              <NumberInput
                label="Batch size"
                description="Images attacked at once. 1 to 4096; lower it if memory runs out."
                value={batchSize}
                onChange={(v) => setBatchSize(toNum(v))}
                min={1}
                max={4096}
                allowDecimal={false}
              />
              <NumberInput
                label="Seed"
                description="Fixes the attack's random start, so results repeat. 0 to 2,147,483,647."
                value={seed}
                onChange={(v) => setSeed(toNum(v))}
                min={0}
                max={2 ** 31 - 1}
                allowDecimal={false}
              />
              <TextInput
                label="Run name (optional)"
                description="Up to 200 characters. Empty: a name is made up."
                value={name}
                maxLength={190}
                onChange={(e) => setName(e.currentTarget.value)}
              />
            </SimpleGrid>
          </Stack>
        </Accordion.Panel>
      </Accordion.Item>
    </Accordion>
  );
}
