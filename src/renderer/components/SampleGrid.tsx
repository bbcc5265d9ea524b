/** A grid of dataset samples: one row per class, each image drawn on a pixelated canvas. */
import { Box, Group, ScrollArea, Stack, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import type { DatasetSamples } from '../../shared/schemas';

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

interface PixelCanvasProps {
  pixels: string;
  height: number;
  width: number;
  channels: number;
  scale: number;
  label: string;
  /** Default "sample-image". */
  testId?: string;
}

export function PixelCanvas({ pixels, height, width, channels, scale, label, testId = 'sample-image' }: PixelCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const src = decodeBase64(pixels);
    const img = ctx.createImageData(width, height);
    const n = width * height;
    for (let i = 0; i < n; i++) {
      let r: number, g: number, b: number;
      if (channels >= 3) {
        r = src[i * channels] ?? 0;
        g = src[i * channels + 1] ?? 0;
        b = src[i * channels + 2] ?? 0;
      } else {
        r = g = b = src[i * channels] ?? 0;
      }
      img.data[i * 4] = r;
      img.data[i * 4 + 1] = g;
      img.data[i * 4 + 2] = b;
      img.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [pixels, height, width, channels]);
  return (
    <canvas
      ref={ref}
      width={width}
      height={height}
      role="img"
      aria-label={label}
      data-testid={testId}
      style={{
        width: width * scale,
        height: height * scale,
        imageRendering: 'pixelated',
        borderRadius: 2,
        border: '1px solid var(--mantine-color-default-border)',
        display: 'block',
      }}
    />
  );
}

export function SampleGrid({ samples }: { samples: DatasetSamples }) {
  const { height, width, channels } = samples;
  const scale = Math.max(1, Math.min(4, Math.floor(96 / Math.max(height, width))));
  return (
    <ScrollArea type="auto" data-testid="sample-grid">
      <Stack gap={6} role="list" aria-label="Sample images, one row per class">
        {samples.classes.map((cls) => (
          <Group key={cls.label} gap={6} wrap="nowrap" role="listitem" aria-label={`Class ${cls.name}`}>
            <Box w={110} style={{ flexShrink: 0 }}>
              <Text size="sm" fw={600} truncate title={cls.name}>
                {cls.name}
              </Text>
              {cls.name !== String(cls.label) && (
                <Text size="xs" c="dimmed">
                  label {cls.label}
                </Text>
              )}
            </Box>
            {cls.images.length === 0 ? (
              <Text size="sm" c="dimmed">
                No images of this class in this split.
              </Text>
            ) : (
              cls.images.map((img, i) => (
                <PixelCanvas
                  key={i}
                  pixels={img}
                  height={height}
                  width={width}
                  channels={channels}
                  scale={scale}
                  label={`Example ${i + 1} of class ${cls.name}`}
                />
              ))
            )}
          </Group>
        ))}
      </Stack>
    </ScrollArea>
  );
}
