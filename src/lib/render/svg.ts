/**
 * Horizontal bar charts as SVG text, drawn on the server: the HTML report needs no chart library
 * and no network at view time, and a chart is readable without script. Pure; all text escaped.
 */
import { escapeHtml as esc } from './format.js';

/** One bar: its label, its value (the bar's length) and the text shown at its end. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly display: string;
  /** CSS colour; defaults to the chart's. */
  readonly colour?: string | undefined;
}

export interface BarChart {
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly colour?: string | undefined;
  /** Shown instead of bars when there are none, or all are zero. */
  readonly empty?: string | undefined;
  /** Chart width in px (the page scales it down on narrow screens). */
  readonly width?: number | undefined;
}

const ROW = 22;
const BAR = 16;
const TOP = 28;
const CHAR = 6.6; // px per character at 12 px sans-serif, for the label column

/** An SVG of horizontal bars, largest values as given (callers order them). */
export const renderBarChart = ({ title, bars, colour = '#3b6ea5', empty = 'nothing to show', width = 460 }: BarChart): string => {
  const shown = bars.filter((b) => b.value > 0);
  const labelWidth = Math.min(180, Math.max(60, ...shown.map((b) => b.label.length * CHAR + 8)));
  const valueWidth = Math.max(40, ...shown.map((b) => b.display.length * CHAR + 8));
  const plot = Math.max(40, width - labelWidth - valueWidth);
  const max = Math.max(0, ...shown.map((b) => b.value));
  const height = TOP + Math.max(1, shown.length) * ROW + 6;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
    `<title>${esc(title)}</title>`,
    `<text x="0" y="16" class="chart-title">${esc(title)}</text>`,
  ];
  if (shown.length === 0 || max === 0) {
    parts.push(`<text x="0" y="${TOP + 14}" class="chart-empty">${esc(empty)}</text>`);
  } else {
    shown.forEach((b, i) => {
      const y = TOP + i * ROW;
      const length = Math.max(1, Math.round((b.value / max) * plot));
      const label = b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label;
      parts.push(
        `<g class="bar"><title>${esc(`${b.label}: ${b.display}`)}</title>` +
          `<text x="${labelWidth - 6}" y="${y + BAR - 4}" text-anchor="end">${esc(label)}</text>` +
          `<rect x="${labelWidth}" y="${y}" width="${length}" height="${BAR}" rx="2" fill="${esc(b.colour ?? colour)}"/>` +
          `<text x="${labelWidth + length + 4}" y="${y + BAR - 4}">${esc(b.display)}</text></g>`,
      );
    });
  }
  parts.push('</svg>');
  return parts.join('');
};
