/**
 * Progress of a long sweep or audit on a terminal: "repositories 12 of 40 done" rewritten in place
 * on stderr, then a short table of repositories by status and the time taken. Only when stderr is
 * a terminal (`CliIo.progress` is absent otherwise), so pipes and files never see it.
 */
import { renderTable } from './table.js';

export interface Progress {
  /** For `SweepDeps.onProgress`. */
  readonly onProgress: (done: number, total: number) => void;
  /** Clears the progress line and prints the closing table. */
  readonly finish: (statuses: readonly string[]) => void;
}

/** A progress display writing raw text to `write` (a terminal's stderr); `now` in ms for the time taken. */
export const terminalProgress = (write: (text: string) => void, now: () => number = Date.now): Progress => {
  const started = now();
  let width = 0;
  return {
    onProgress: (done, total) => {
      const line = `repositories ${done} of ${total} done`;
      width = Math.max(width, line.length);
      write(`\r${line.padEnd(width)}`);
    },
    finish: (statuses) => {
      if (width > 0) write(`\r${' '.repeat(width)}\r`);
      const counts = new Map<string, number>();
      for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
      const rows = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => [status, String(n)]);
      rows.push(['total', String(statuses.length)]);
      write(`${renderTable(['STATUS', 'REPOSITORIES'], rows, [1])}\ntook ${((now() - started) / 1000).toFixed(1)} s\n`);
    },
  };
};
