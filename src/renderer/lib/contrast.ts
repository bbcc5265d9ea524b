/**
 * Colours that stay readable: a tint mixed onto the page background as an opaque colour, and the
 * text colour (white or black) with the higher WCAG contrast on it — at least 4.58:1 on any
 * background, above the AA minimum of 4.5:1. WCAG 2 relative luminance, written out because it
 * is four lines and the colour libraries in the lockfile do not expose it.
 */
function rgb(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

/** `fg` at opacity `alpha` over `bg`, as an opaque #rrggbb. */
export function mix(fg: string, bg: string, alpha: number): string {
  const f = rgb(fg);
  const b = rgb(bg);
  return `#${f.map((c, i) => Math.round(alpha * c + (1 - alpha) * b[i]!).toString(16).padStart(2, '0')).join('')}`;
}

/** White or black, whichever reads better on `bg`. */
export function textOn(bg: string): '#ffffff' | '#000000' {
  return contrast('#ffffff', bg) >= contrast('#000000', bg) ? '#ffffff' : '#000000';
}
