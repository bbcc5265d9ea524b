/**
 * Train: the chosen method's card: family, what it trades, and its parameter form (from the registry's descriptors).
 */
import { Badge, Group, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { METHOD_FAMILIES } from '../../../shared/methods';
import type { MethodEntry } from '../../../shared/schemas';
import { ParamForm } from '../ParamForm';
import type { SetForm, TrainForm } from './trainForm';

export function MethodCard({ form, setForm, method }: { form: TrainForm; setForm: SetForm; method: MethodEntry }) {
  const trade = method.tradeoff;
  const family = METHOD_FAMILIES.find((f) => f.id === method.family);
  return (
    <Paper withBorder radius="md" p="sm" data-testid="method-card">
      <Stack gap="xs">
        <Group gap="xs" wrap="wrap">
          <Text fw={600} size="sm">
            {method.title}
          </Text>
          {family && (
            <Badge variant="light" size="sm" title={family.hint}>
              {family.title}
            </Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          {method.description}
        </Text>
        {trade && (
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs" data-testid="method-trade">
            <Trade label="Clean accuracy" value={trade.clean} />
            <Trade label="Robustness" value={trade.robust} />
            <Trade label="Time per epoch" value={trade.time} />
          </SimpleGrid>
        )}
        {method.params.length > 0 && (
          <ParamForm
            params={method.params}
            values={form.methodParams}
            onChange={(v) => setForm((f) => ({ ...f, methodParams: v, preset: null }))}
            advancedLabel="Advanced method settings"
          />
        )}
      </Stack>
    </Paper>
  );
}

function Trade({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm">{value}</Text>
    </div>
  );
}
