/**
 * A minimal PNG encoder (greyscale or RGB, 8 bits, no interlace) for images embedded in reports
 * as data: URIs. Uses Node's zlib for the deflate stream.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** PNG bytes of uint8 pixels H×W×C (C = 1 grey, 3 RGB; other counts use the first channel). */
export function encodePng(pixels: Uint8Array, height: number, width: number, channels: number): Buffer {
  const colour = channels >= 3 ? 3 : 1;
  const raw = Buffer.alloc(height * (1 + width * colour));
  for (let r = 0; r < height; r++) {
    const rowStart = r * (1 + width * colour);
    raw[rowStart] = 0; // filter: none
    for (let c = 0; c < width; c++) {
      for (let k = 0; k < colour; k++) raw[rowStart + 1 + c * colour + k] = pixels[(r * width + c) * channels + k];
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colour === 3 ? 2 : 0; // colour type: RGB or greyscale
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A data: URI of base64 uint8 pixels (as stored in the gallery). */
export function pngDataUri(base64Pixels: string, height: number, width: number, channels: number): string {
  const px = new Uint8Array(Buffer.from(base64Pixels, 'base64'));
  return `data:image/png;base64,${encodePng(px, height, width, channels).toString('base64')}`;
}
