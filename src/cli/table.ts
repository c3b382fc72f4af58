/** Plain-text tables for people at a terminal: no colours, columns padded to the widest cell. */

/** Renders rows under a header; `align` marks right-aligned (numeric) columns. */
export const renderTable = (header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
};

/** 1536 → "1.5 KiB": one definition for the terminal tables and the report renderers. */
export { formatBytes } from '../lib/render/format.js';

/** 1 → "1 repository", 3 → "3 repositories": `plural` defaults to `singular` + "s". */
export const count = (n: number, singular: string, plural = `${singular}s`): string => `${n} ${n === 1 ? singular : plural}`;

/** A price in dollars with cents always shown: 0.1 → "$0.10", 0.023 → "$0.023" (never rounds a price away). */
export const formatDollars = (value: number): string => {
  const cents = value.toFixed(2);
  return `$${Number(cents) === value ? cents : String(value)}`;
};

/** Whole days between two instants, rounded down. */
export const ageInDays = (from: Date, now: Date): number => Math.floor((now.getTime() - from.getTime()) / 86_400_000);
