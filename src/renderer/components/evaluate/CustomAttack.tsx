/**
 * Evaluate, Custom: any attack of the registry with its generated form, and an optional eps grid.
 */
import { NativeSelect, Paper, Stack, Text, TextInput } from '@mantine/core';
import { NO_ATTACK } from '../../../shared/constants';
import type { RegistryEntry } from '../../../shared/schemas';
import { ParamForm, type ParamValue, type ParamValues } from '../ParamForm';
import { epsLong } from '../../lib/reportText';

export function CustomAttack({
  entries,
  entry,
  attackName,
  chooseAttack,
  params,
  setParams,
  customEps,
  gridText,
  setGridText,
  gridError,
}: {
  entries: RegistryEntry[];
  entry: RegistryEntry;
  attackName: string;
  chooseAttack: (name: string) => void;
  params: ParamValues;
  setParams: (v: ParamValues) => void;
  customEps: ParamValue | undefined;
  gridText: string;
  setGridText: (v: string) => void;
  gridError: string | undefined;
}) {
  return (
    <Paper withBorder radius="md" p="sm">
      <Stack gap="sm">
        <NativeSelect
          label="Attack"
          description={entry.description}
          value={attackName}
          onChange={(e) => chooseAttack(e.currentTarget.value)}
          data={entries.map((e) => ({ value: e.name, label: e.title }))}
          data-testid="eval-attack"
        />
        {entry.params.length > 0 && (
          <ParamForm
            params={entry.params}
            values={params}
            onChange={setParams}
            afterBasic={
              typeof customEps === 'number' && Number.isFinite(customEps) && customEps > 0 && customEps <= 1 ? (
                <Text size="sm" c="dimmed" data-testid="eps-explained">
                  The attack may change each pixel by at most {epsLong(customEps)} (about {Math.round(customEps * 255)} of 255 brightness
                  levels); pixel values run from 0 (black) to 1 (white).
                </Text>
              ) : undefined
            }
          />
        )}
        {entry.name !== NO_ATTACK && (
          <TextInput
            label="Robustness curve (optional)"
            description="Also measure robust accuracy at these eps values, separated by commas (e.g. 0, 0.05, 0.1, 0.2 or 2/255, 4/255, 8/255). Each value runs the attack again. Empty: no curve."
            value={gridText}
            onChange={(e) => setGridText(e.currentTarget.value)}
            error={gridError}
            placeholder="0, 0.05, 0.1, 0.2"
            data-testid="eval-grid"
          />
        )}
      </Stack>
    </Paper>
  );
}
