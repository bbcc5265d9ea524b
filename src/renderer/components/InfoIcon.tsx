/** A small "more information" icon (an SVG, so it never depends on a font having the glyph). */
export function InfoIcon({ size = 13 }: { size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2.2"
      aria-hidden
      style={{ verticalAlign: '-2px', marginLeft: 3, opacity: 0.7 }}
    >
      <circle cx="12" cy="12" r="10" />
      <path d="M12 11v6M12 7.5v.5" strokeLinecap="round" />
    </svg>
  );
}
