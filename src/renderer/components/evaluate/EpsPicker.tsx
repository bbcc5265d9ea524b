/**
 * Evaluate: the size of change (eps) shared by the presets, explained in brightness levels.
 */
import { Group, NumberInput, SegmentedControl, Stack, Text } from '@mantine/core';
import { epsLong, visibility } from '../../lib/reportText';
import { EPS_CHOICES, toNum } from './evalForm';

export function EpsPicker({
  eps,
  error,
  epsChoice,
  setEpsChoice,
  epsOther,
  setEpsOther,
}: {
  eps: number | undefined;
  /** Why the eps cannot be used (the lab's range); shown at the field, never clamped away. */
  error: string | null;
  epsChoice: string;
  setEpsChoice: (v: string) => void;
  epsOther: number | '';
  setEpsOther: (v: number | '') => void;
}) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500} id="eps-label">
        Size of change the attack may make (eps)
      </Text>
      <Text size="xs" c="dimmed">
        The largest change to any pixel; pixel values run from 0 (black) to 1 (white). 8/255 is the usual choice for colour photos, 0.1–0.3 for
        handwritten digits.
      </Text>
      <Group gap="sm" wrap="wrap" align="center">
        <SegmentedControl
          value={epsChoice}
          onChange={setEpsChoice}
          data={EPS_CHOICES}
          aria-labelledby="eps-label"
          data-testid="eval-eps"
        />
        {epsChoice === 'other' && (
          <NumberInput
            aria-label="eps (other)"
            value={epsOther}
            onChange={(v) => setEpsOther(toNum(v))}
            clampBehavior="none"
            error={!!error}
            aria-describedby={error ? 'eps-error' : undefined}
            step={0.01}
            decimalScale={5}
            w={120}
            data-testid="eval-eps-other"
          />
        )}
      </Group>
      {error && (
        <Text size="sm" c="red" id="eps-error" role="alert" data-testid="eps-error">
          {error}
        </Text>
      )}
      {eps !== undefined && eps > 0 && !error && (
        <Text size="sm" data-testid="eps-explained">
          Each pixel may change by at most {epsLong(eps)} (about {Math.round(eps * 255)} of 255 brightness levels): {visibility(eps)}.
        </Text>
      )}
    </Stack>
  );
}
