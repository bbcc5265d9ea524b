/**
 * "Your own network" on the Models page: a minimal layer-list editor (JSON, checked with the
 * output shape, parameters and FLOPs after each layer, then saved as an architecture usable by
 * name everywhere) and "which architecture fits this .safetensors file?" (the matches, or each
 * architecture's first mismatch).
 */
import { Alert, Button, Code, Group, Paper, SimpleGrid, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useState } from 'react';
import { lab } from '../../api/client';
import type { ArchitectureDetail, ArchitectureProposal } from '../../../shared/byo';
import { LabError } from '../../../shared/errors';
import { FilePickField } from '../FilePickField';
import { notifyOk } from '../../lib/notify';

const EXAMPLE = `{
  "name": "tiny",
  "input": [32, 32, 3],
  "layers": [
    {"type": "conv2d", "in": 3, "out": 8, "kernel": 3, "stride": 1, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "kernel": 2},
    {"type": "flatten"},
    {"type": "linear", "in": 2048, "out": 10}
  ]
}`;

export function ByoModelsPanel({ onSaved }: { onSaved: () => void }) {
  const [text, setText] = useState(EXAMPLE);
  const [detail, setDetail] = useState<ArchitectureDetail | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [file, setFile] = useState<string | null>(null);
  const [proposal, setProposal] = useState<ArchitectureProposal | null>(null);
  const [fileProblem, setFileProblem] = useState<string | null>(null);

  const check = async (save: boolean) => {
    setProblem(null);
    try {
      const d = save ? await lab.addArchitecture({ spec: text }) : await lab.checkArchitecture({ spec: text });
      setDetail(d);
      if (save) {
        notifyOk(`Architecture "${d.name}" saved`, 'Choose it by name on the Train page, when importing weights, and everywhere else.');
        onSaved();
      }
    } catch (err) {
      setDetail(null);
      setProblem(LabError.from(err).message);
    }
  };

  const match = async (p: string | null) => {
    setFile(p);
    setProposal(null);
    setFileProblem(null);
    if (!p) return;
    try {
      setProposal(await lab.proposeArchitecture({ file: p }));
    } catch (err) {
      setFileProblem(LabError.from(err).message);
    }
  };

  const s = detail?.summary;
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg" mt="lg">
      <Paper withBorder radius="md" p="md" component="section" aria-labelledby="layer-list-title">
        <Title order={2} size="h4" id="layer-list-title" mb="xs">
          Your own network (a list of layers)
        </Title>
        <Text size="sm" c="dimmed" mb="xs">
          conv2d, linear, relu, gelu, tanh, maxpool, avgpool, batchnorm, dropout, flatten and residual (a sub-list added to its input).
          Weights are named as in PyTorch's nn.Sequential (0.weight, 4.bias), so a saved state dict imports directly.
        </Text>
        <Textarea
          label="Layer list (JSON)"
          autosize
          minRows={8}
          maxRows={20}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
          data-testid="layer-list-json"
        />
        <Group mt="xs" gap="xs">
          <Button variant="default" onClick={() => void check(false)} data-testid="layer-list-check">
            Check
          </Button>
          <Button onClick={() => void check(true)} data-testid="layer-list-save">
            Save architecture
          </Button>
        </Group>
        {problem && (
          <Alert color="red" mt="sm" title="Not a valid layer list" data-testid="layer-list-problem">
            {problem}
          </Alert>
        )}
        {s && (
          <Stack gap={4} mt="sm" data-testid="layer-list-summary">
            <Table striped withTableBorder fz="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Layer</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Output (C×H×W)</Table.Th>
                  <Table.Th>Parameters</Table.Th>
                  <Table.Th>FLOPs</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {s.layers.map((r) => (
                  <Table.Tr key={`${r.path}-${r.type}`}>
                    <Table.Td>{r.path}</Table.Td>
                    <Table.Td>{r.type}</Table.Td>
                    <Table.Td>{r.outShape.join('×')}</Table.Td>
                    <Table.Td>{r.params.toLocaleString('en-US')}</Table.Td>
                    <Table.Td>{r.flops.toLocaleString('en-US')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Text size="sm">
              {s.params.toLocaleString('en-US')} parameters, {s.flops?.toLocaleString('en-US')} FLOPs per image, {s.numClasses} classes.
            </Text>
          </Stack>
        )}
      </Paper>
      <Paper withBorder radius="md" p="md" component="section" aria-labelledby="match-title">
        <Title order={2} size="h4" id="match-title" mb="xs">
          Which architecture fits a weights file?
        </Title>
        <FilePickField
          label="Weights file"
          description="A .safetensors file, e.g. a PyTorch state dict saved with safetensors."
          value={file}
          onChange={(p) => void match(p)}
          filters={[{ name: 'safetensors', extensions: ['safetensors'] }]}
          testId="match-pick"
        />
        {fileProblem && (
          <Alert color="red" mt="sm">
            {fileProblem}
          </Alert>
        )}
        {proposal && (
          <Stack gap={4} mt="sm" data-testid="match-result">
            {proposal.matches.length ? (
              <Text size="sm" fw={500}>
                Fits: {proposal.matches.map((m) => `${m.name} (${m.input.join('×')}, ${m.numClasses} classes)`).join(', ')} — import it with that
                architecture.
              </Text>
            ) : (
              <Text size="sm" fw={500}>
                No architecture fits these {proposal.tensors} tensors. The first difference for each:
              </Text>
            )}
            {proposal.mismatches.map((m) => (
              <Text size="xs" key={m.name}>
                <Code>{m.name}</Code> {m.reason}
              </Text>
            ))}
          </Stack>
        )}
      </Paper>
    </SimpleGrid>
  );
}
