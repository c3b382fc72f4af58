/** File and stdin reading for the CLI; every failure is an `InputError` naming the option. */
import { readFileSync } from 'node:fs';
import { InputError } from '../lib/errors.js';

/** Reads `path` (or stdin for `-`) as UTF-8; `option` names the flag in errors. */
export const readInput = (path: string, option: string, readStdin: () => string = () => readFileSync(0, 'utf8')): string => {
  try {
    return path === '-' ? readStdin() : readFileSync(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
    throw new InputError(`${option}: cannot read ${path}: ${why}`, { cause, field: option });
  }
};

/** Parses JSON text; `InputError` with the parser's position on failure. */
export const parseJson = (text: string, option: string, path: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new InputError(`${option}: ${path} is not valid JSON (${(cause as Error).message})`, { cause, field: option });
  }
};

/** Parses an ISO-8601 instant with a date and a time zone or `Z`; `InputError` otherwise. */
export const parseInstant = (value: string, option: string): Date => {
  const ok = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/.test(value);
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (!ok || Number.isNaN(date.getTime()))
    throw new InputError(`${option}: "${value}" is not an ISO-8601 time (e.g. 2026-11-23T12:00:00Z)`, { field: option });
  return date;
};
