/**
 * "Bring your own images": a drop zone for a folder (or an .npz / CIFAR folder) on the Datasets
 * page. The lab detects the format and shows the counts and a preview grid per class before
 * anything is written; the import then runs as a job with a progress bar (images/s) and a cancel.
 * In web mode dropped files are uploaded into the lab folder first; in the desktop app (and for
 * folders already on the lab's machine) the person types the path.
 */
import { Alert, Badge, Button, Checkbox, Group, Paper, Progress, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { lab } from '../../api/client';
import type { DatasetImportPreview } from '../../../shared/byo';
import { LabError } from '../../../shared/errors';
import { PixelCanvas } from '../SampleGrid';
import { isTerminal, useLiveRun } from '../../lib/hooks';

interface Dropped {
  file: File;
  relPath: string;
}

/** Every file under a dropped entry (folders walked), with its path inside the drop. */
async function filesOf(items: DataTransferItemList): Promise<Dropped[]> {
  const out: Dropped[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ file, relPath: prefix + entry.name });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const e of batch) await walk(e, `${prefix}${entry.name}/`);
      }
    }
  };
  const entries = Array.from(items)
    .map((i) => i.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => !!e);
  for (const e of entries) await walk(e, '');
  return out;
}

/** The common top folder of dropped paths is dropped itself, so `cats/1.png` keeps its class folder. */
function stripCommonRoot(files: Dropped[]): Dropped[] {
  const tops = new Set(files.map((f) => f.relPath.split('/')[0]));
  if (tops.size !== 1 || files.some((f) => !f.relPath.includes('/'))) return files;
  return files.map((f) => ({ ...f, relPath: f.relPath.slice(f.relPath.indexOf('/') + 1) }));
}

function parseSize(v: string): [number, number] | undefined {
  const m = /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/i.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function ByoImportPanel({ onImported }: { onImported: (datasetName: string) => void }) {
  const [path, setPath] = useState('');
  const [upload, setUpload] = useState<{ done: number; total: number } | null>(null);
  const [preview, setPreview] = useState<DatasetImportPreview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState('');
  const [size, setSize] = useState('');
  const [colour, setColour] = useState<'auto' | 'grey' | 'colour'>('auto');
  const [fraction, setFraction] = useState('');
  const [skip, setSkip] = useState(false);
  const [over, setOver] = useState(false);
  const [runId, setRunId] = useState<string | null>(null);
  const live = useLiveRun(runId);
  const folderInput = useRef<HTMLInputElement>(null);
  const webMode = typeof lab.uploadFolder === 'function';

  const source = () => ({
    path,
    size: parseSize(size),
    colour,
    trainFraction: fraction.trim() ? Number(fraction) : undefined,
    skipUnreadable: skip,
  });

  const runPreview = async (p: string, defaultName?: string) => {
    setBusy(true);
    setProblem(null);
    try {
      const r = await lab.previewDatasetImport({ ...source(), path: p, format: 'auto', perClass: 6 });
      setPreview(r);
      setName((old) => old || defaultName || (p.split(/[\\/]/).filter(Boolean).pop()?.replace(/\.npz$/i, '') ?? 'imported'));
    } catch (err) {
      setPreview(null);
      setProblem(LabError.from(err).message);
    } finally {
      setBusy(false);
    }
  };

  const receive = async (files: Dropped[]) => {
    if (!lab.uploadFolder) return;
    const list = stripCommonRoot(files.filter((f) => !f.relPath.split('/').some((p) => p.startsWith('.'))));
    if (list.length === 0) {
      setProblem('Nothing to import was dropped; drop a folder of class folders, a CIFAR folder or an .npz file.');
      return;
    }
    setBusy(true);
    setProblem(null);
    setUpload({ done: 0, total: list.length });
    try {
      const root = await lab.uploadFolder(list, (done, total) => setUpload({ done, total }));
      // A single .npz stays a file; anything else is the uploaded folder.
      const p = list.length === 1 && /\.npz$/i.test(list[0]!.relPath) ? `${root}/${list[0]!.relPath}` : root;
      const first = files[0]?.relPath ?? '';
      const dropName = (first.includes('/') ? first.split('/')[0]! : first).replace(/\.npz$/i, '');
      setPath(p);
      await runPreview(p, dropName || undefined);
    } catch (err) {
      setProblem(LabError.from(err).message);
    } finally {
      setUpload(null);
      setBusy(false);
    }
  };

  const submit = async () => {
    if (!preview) return;
    setProblem(null);
    try {
      const run = await lab.submitImport({ kind: 'import', name: name.trim(), format: preview.format, ...source() });
      setRunId(run.id);
    } catch (err) {
      setProblem(LabError.from(err).message);
    }
  };

  const status = live.detail?.run.status;
  useEffect(() => {
    if (!runId || !isTerminal(status)) return;
    if (status === 'finished') {
      onImported(name.trim());
      setPreview(null);
      setRunId(null);
      setPath('');
      setName('');
    } else {
      setProblem(live.detail?.run.error ?? `The import ${status}.`);
      setRunId(null);
    }
  }, [runId, status]); // eslint-disable-line react-hooks/exhaustive-deps

  const scale = preview?.height ? Math.max(1, Math.min(4, Math.floor(48 / Math.max(preview.height, preview.width ?? 1)))) : 2;
  return (
    <Paper withBorder radius="md" p="md" mb="lg" component="section" aria-labelledby="byo-title">
      <Title order={2} size="h4" id="byo-title" mb="xs">
        Bring your own images
      </Title>
      <Stack gap="sm">
        {webMode && (
          <div
            data-testid="byo-drop-zone"
            role="button"
            tabIndex={0}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') folderInput.current?.click();
            }}
            onClick={() => folderInput.current?.click()}
            onDragOver={(e) => {
              e.preventDefault();
              setOver(true);
            }}
            onDragLeave={() => setOver(false)}
            onDrop={(e) => {
              e.preventDefault();
              setOver(false);
              void filesOf(e.dataTransfer.items).then(receive);
            }}
            style={{
              border: `2px dashed ${over ? 'var(--mantine-color-blue-6)' : 'var(--mantine-color-gray-5)'}`,
              borderRadius: 8,
              padding: '1.25rem',
              textAlign: 'center',
              cursor: 'pointer',
              background: over ? 'var(--mantine-color-blue-0)' : undefined,
            }}
          >
            <Text fw={500}>Drop a folder here, or click to choose one</Text>
            <Text size="sm" c="dimmed">
              One sub-folder per class (or train/ and test/ folders holding them), CIFAR-10/100 .bin batches, or an .npz file. Nothing is
              saved until you press Import.
            </Text>
            <input
              ref={folderInput}
              type="file"
              data-testid="byo-folder-input"
              style={{ display: 'none' }}
              multiple
              {...({ webkitdirectory: '' } as Record<string, string>)}
              onChange={(e) => {
                const files = Array.from(e.target.files ?? []).map((file) => ({ file, relPath: file.webkitRelativePath || file.name }));
                e.target.value = '';
                void receive(files);
              }}
            />
          </div>
        )}
        <Group align="flex-end" gap="xs">
          <TextInput
            style={{ flex: 1 }}
            label={webMode ? 'Or a folder or .npz already on the lab’s machine' : 'Folder or .npz file'}
            placeholder="/path/to/images"
            value={path}
            onChange={(e) => setPath(e.currentTarget.value)}
            data-testid="byo-path"
          />
          <Button variant="default" onClick={() => void runPreview(path)} disabled={!path.trim()} loading={busy} data-testid="byo-preview">
            Preview
          </Button>
        </Group>
        {upload && (
          <div>
            <Text size="sm">
              Uploading {upload.done} of {upload.total} files…
            </Text>
            <Progress value={(100 * upload.done) / Math.max(1, upload.total)} aria-label="Upload progress" />
          </div>
        )}
        {problem && (
          <Alert color="red" title="Not imported" data-testid="byo-problem">
            {problem}
          </Alert>
        )}
        {preview && (
          <Stack gap="xs" data-testid="byo-preview-panel">
            <Group gap="xs">
              <Badge variant="light" data-testid="byo-detected">
                {preview.detected}
              </Badge>
              <Text size="sm" data-testid="byo-counts">
                {preview.height ?? '?'}×{preview.width ?? '?'}×{preview.channels ?? '?'} · {preview.numClasses} classes · train {preview.counts.train} · test{' '}
                {preview.counts.test}
              </Text>
            </Group>
            {preview.notes.map((n) => (
              <Alert key={n} color="yellow" p="xs">
                {n}
              </Alert>
            ))}
            {preview.unreadable.length > 0 && (
              <Alert color="orange" title="Images that cannot be read" p="xs" data-testid="byo-unreadable">
                {preview.unreadable.map((u) => (
                  <Text size="xs" key={u.file}>
                    {u.file}: {u.reason}
                  </Text>
                ))}
              </Alert>
            )}
            <Stack gap={4} data-testid="byo-preview-grid">
              {preview.classes.map((c) => (
                <Group key={c.label} gap="xs" wrap="nowrap">
                  <Text size="sm" w={160} truncate title={c.name}>
                    {c.name}{' '}
                    <Text span size="xs" c="dimmed">
                      ({c.train + c.test})
                    </Text>
                  </Text>
                  {c.images.map((img, i) => (
                    <PixelCanvas
                      key={i}
                      pixels={img}
                      height={preview.height ?? 1}
                      width={preview.width ?? 1}
                      channels={preview.channels ?? 1}
                      scale={scale}
                      label={`${c.name} example ${i + 1}`}
                      testId="byo-preview-image"
                    />
                  ))}
                </Group>
              ))}
            </Stack>
            <Group align="flex-end" gap="sm">
              <TextInput label="Dataset name" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="byo-name" required />
              {preview.format === 'folder' && (
                <>
                  <TextInput
                    label="Size (H×W)"
                    description="Empty keeps the images' size"
                    placeholder="32x32"
                    value={size}
                    onChange={(e) => setSize(e.currentTarget.value)}
                    onBlur={() => void runPreview(path)}
                    w={130}
                  />
                  <Select
                    label="Colour"
                    w={160}
                    data={[
                      { value: 'auto', label: 'As the images' },
                      { value: 'grey', label: 'Grey' },
                      { value: 'colour', label: 'Colour' },
                    ]}
                    value={colour}
                    onChange={(v) => setColour((v as 'auto') ?? 'auto')}
                    allowDeselect={false}
                  />
                  <TextInput
                    label="Train fraction"
                    description="Class folders only"
                    placeholder="e.g. 0.8"
                    value={fraction}
                    onChange={(e) => setFraction(e.currentTarget.value)}
                    onBlur={() => void runPreview(path)}
                    w={130}
                    data-testid="byo-train-fraction"
                  />
                  <Checkbox label="Skip images that cannot be read" checked={skip} onChange={(e) => setSkip(e.currentTarget.checked)} />
                </>
              )}
              <Button onClick={() => void submit()} disabled={!name.trim() || !!runId} data-testid="byo-import">
                Import
              </Button>
            </Group>
            {runId && (
              <div data-testid="byo-progress">
                <Group justify="space-between">
                  <Text size="sm">{live.progress?.message ?? 'Starting…'}</Text>
                  <Button size="xs" variant="subtle" color="red" onClick={() => void lab.cancelRun({ runId })}>
                    Cancel
                  </Button>
                </Group>
                <Progress value={100 * (live.progress?.fraction ?? 0)} aria-label="Import progress" />
              </div>
            )}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
