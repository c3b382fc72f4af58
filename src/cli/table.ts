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

/** 1536 → "1.5 KiB"; binary units, one decimal. */
export const formatBytes = (bytes: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
};

/** Whole days between two instants, rounded down. */
export const ageInDays = (from: Date, now: Date): number => Math.floor((now.getTime() - from.getTime()) / 86_400_000);
