/** Where a report goes: `--out FILE`, or stdout. Shared by `sweep` and `audit`. */
import { writeFileSync } from 'node:fs';
import { InputError } from '../lib/errors.js';
import type { CliIo } from './main.js';

/** The report formats; `html` is the audit's only. */
export type OutputFormat = 'json' | 'table' | 'markdown' | 'html';

/** Throws `InputError` (exit 2) for a whole HTML page bound for a terminal: it needs `--out` or a redirect. */
export const checkOutput = (io: CliIo, format: OutputFormat, out: string | undefined): void => {
  if (format === 'html' && out === undefined && io.isTty) throw new InputError('--output html writes a whole page: give --out FILE (or redirect stdout to a file)', { field: '--out' });
};

/**
 * Writes `text` to `--out` when given (one line on stderr says where), else to stdout. A whole
 * HTML page is refused on a terminal: it needs `--out` (exit 2) or a redirect.
 */
export const deliverOutput = (io: CliIo, format: OutputFormat, text: string, out: string | undefined): void => {
  checkOutput(io, format, out);
  if (out === undefined) {
    io.write(text.replace(/\n$/, ''));
    return;
  }
  try {
    writeFileSync(out, text.endsWith('\n') ? text : `${text}\n`, 'utf8');
  } catch (cause) {
    throw new InputError(`--out: cannot write ${out}: ${(cause as Error).message}`, { cause, field: '--out' });
  }
  io.writeErr?.(`wrote ${format} to ${out} (${Buffer.byteLength(text, 'utf8')} bytes)`);
};
