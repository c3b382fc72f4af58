/** Words and money in the terminal tables: "1 repository", "$0.10". */
import { describe, expect, it } from 'vitest';
import { count, formatDollars } from '../../src/cli/table.js';

describe('Function: count', () => {
  it.each([
    [0, 'repository', 'repositories', '0 repositories'],
    [1, 'repository', 'repositories', '1 repository'],
    [2, 'repository', 'repositories', '2 repositories'],
    [1, 'image', undefined, '1 image'],
    [46, 'image', undefined, '46 images'],
  ])('says %i %s', (n, singular, plural, expected) => {
    // Act & Assess
    expect(count(n, singular, plural)).toBe(expected);
  });
});

describe('Function: formatDollars', () => {
  it.each([
    [0.1, '$0.10'],
    [0.023, '$0.023'],
    [0, '$0.00'],
    [12, '$12.00'],
  ])('writes %f as %s, cents always shown and no digit of a price rounded away', (value, expected) => {
    // Act & Assess
    expect(formatDollars(value)).toBe(expected);
  });
});
