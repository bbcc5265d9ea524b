/**
 * Example images for reports: clean, adversarial and the amplified perturbation as uint8 pixels
 * (H×W×C, row-major, base64), small enough to store in the evaluation record.
 */
import type { GalleryItem } from '../../shared/schemas';

/** float [0,1] pixels to base64 uint8. */
export function encodePixels(v: ArrayLike<number>, offset: number, size: number): string {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const p = Math.round(v[offset + i] * 255);
    out[i] = p < 0 ? 0 : p > 255 ? 255 : p;
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('base64');
}

/**
 * The perturbation adv - clean as uint8 around mid-grey: 128 + a × 255 × delta, with the
 * amplification a chosen so the largest change reaches 0 or 255 (a = 1 when nothing changed).
 */
export function encodePerturbation(clean: ArrayLike<number>, adv: ArrayLike<number>, offset: number, size: number): { data: string; amplification: number; linf: number; l2: number } {
  let linf = 0;
  let l2 = 0;
  for (let i = 0; i < size; i++) {
    const dlt = adv[offset + i] - clean[offset + i];
    linf = Math.max(linf, Math.abs(dlt));
    l2 += dlt * dlt;
  }
  const amplification = linf > 0 ? 127 / (255 * linf) : 1;
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const p = Math.round(128 + amplification * 255 * (adv[offset + i] - clean[offset + i]));
    out[i] = p < 0 ? 0 : p > 255 ? 255 : p;
  }
  return { data: Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('base64'), amplification, linf, l2: Math.sqrt(l2) };
}

/** Collects gallery candidates while batches stream by: broken points first, then others. */
export class GalleryCollector {
  private readonly broken: GalleryItem[] = [];
  private readonly others: GalleryItem[] = [];
  constructor(private readonly size: number) {}

  /** Whether another item of this kind is still wanted (so callers skip encoding otherwise). */
  wants(broken: boolean): boolean {
    return this.size > 0 && (broken ? this.broken.length < this.size : this.others.length < this.size);
  }

  add(item: GalleryItem): void {
    if (!this.wants(item.broken)) return;
    (item.broken ? this.broken : this.others).push(item);
  }

  items(): GalleryItem[] {
    return [...this.broken, ...this.others].slice(0, this.size).sort((a, b) => a.index - b.index);
  }
}
