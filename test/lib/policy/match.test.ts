import { describe, expect, it } from 'vitest';
import {
  buildTagTable,
  compileTagPattern,
  selectCandidates,
  selectionMatches,
  tagMatchesPattern,
} from '../../../src/lib/policy/match.js';
import type { Selection } from '../../../src/lib/policy/types.js';
import { imageFactory } from '../../helpers/factories.js';

const selection = (overrides: Partial<Selection>): Selection => ({
  tagStatus: 'tagged',
  countType: 'imageCountMoreThan',
  countNumber: 1,
  ...overrides,
});

describe('Function: tagMatchesPattern', () => {
  it.each([
    ['prod', 'prod', true],
    ['prod', 'prod1', false],
    ['prod1', 'prod', false],
    ['prod-1', 'prod*', true],
    ['prod', 'prod*', true],
    ['preprod', 'prod*', false],
    ['v1-prod', '*prod', true],
    ['v1-prod-x', '*prod', false],
    ['release-2024-hotfix', 'release-*-hotfix', true],
    ['release--hotfix', 'release-*-hotfix', true],
    ['release-hotfix', 'release-*-hotfix', false],
    ['release-2024', 'release-*-hotfix', false],
    ['anything', '*', true],
    ['', '*', true],
    ['a-b-c', '*-*-*', true],
    ['ab', '*a*b*', true],
    ['ba', '*a*b*', false],
    ['aXbXc', 'a*b*c', true],
    ['abc', 'a**c', true],
    ['aba', 'a*ba', true],
    ['aba', 'ab*ba', false],
    ['test123', '*test*1*2*3', true],
    ['Prod', 'prod*', false],
  ])('matches tag %j against pattern %j: %s', (tag, pattern, expected) => {
    // Act
    const result = tagMatchesPattern(tag, pattern);

    // Assess
    expect(result).toBe(expected);
  });

  it('treats regex metacharacters literally', () => {
    // Act & Assess
    expect(tagMatchesPattern('v1.2', 'v1.2')).toBe(true);
    expect(tagMatchesPattern('v1x2', 'v1.2')).toBe(false);
    expect(tagMatchesPattern('a+b', 'a+*')).toBe(true);
  });

  it('answers in linear time on inputs that make a backtracking regex explode', () => {
    // Prepare
    const tag = 'a'.repeat(128);
    const pattern = '*a*a*a*b';
    const matcher = compileTagPattern(pattern);

    // Act
    const started = performance.now();
    const result = matcher(tag);
    const elapsed = performance.now() - started;

    // Assess
    expect(result).toBe(false);
    expect(elapsed).toBeLessThan(1_000);
  });
});

describe('Function: selectionMatches', () => {
  it('selects an image when one of its tags matches the only pattern', () => {
    // Prepare
    const image = imageFactory({ tags: ['latest', 'prod-7'] });

    // Act & Assess
    expect(selectionMatches(selection({ tagPatternList: ['prod*'] }), image)).toBe(true);
    expect(selectionMatches(selection({ tagPatternList: ['dev*'] }), image)).toBe(false);
  });

  it('ANDs several pattern entries: every entry must match some tag', () => {
    // Prepare
    const both = imageFactory({ tags: ['latest', 'main-3'] });
    const one = imageFactory({ tags: ['latest'] });
    const rule = selection({ tagPatternList: ['latest', 'main*'] });

    // Act & Assess
    expect(selectionMatches(rule, both)).toBe(true);
    expect(selectionMatches(rule, one)).toBe(false);
  });

  it('lets one tag satisfy several entries', () => {
    // Prepare
    const image = imageFactory({ tags: ['alpha-beta'] });

    // Act & Assess
    expect(selectionMatches(selection({ tagPatternList: ['alpha*', '*beta'] }), image)).toBe(true);
  });

  it('ANDs prefix entries the same way', () => {
    // Prepare
    const rule = selection({ tagPrefixList: ['alpha', 'beta'] });

    // Act & Assess
    expect(selectionMatches(rule, imageFactory({ tags: ['alpha-2', 'beta-2'] }))).toBe(true);
    expect(selectionMatches(rule, imageFactory({ tags: ['alpha-1'] }))).toBe(false);
  });

  it('matches tags whose characters fill the top bit of a byte or exceed one byte', () => {
    // Prepare
    const images = [imageFactory({ tags: ['abcé'] }), imageFactory({ tags: ['€'] }), imageFactory({ tags: ['x'] })];
    const table = buildTagTable(images);
    const out = new Int32Array(images.length);

    // Act
    const accented = selectCandidates(selection({ tagPatternList: ['abcé*'] }), table, out);
    const accentedFirst = out[0];
    const euro = selectCandidates(selection({ tagPatternList: ['*€'] }), table, out);
    const euroFirst = out[0];

    // Assess
    expect([accented, accentedFirst]).toEqual([1, 0]);
    expect([euro, euroFirst]).toEqual([1, 1]);
  });

  it('does not select an untagged image in a tagged rule, even with pattern *', () => {
    // Prepare
    const untagged = imageFactory({ tags: [] });

    // Act & Assess
    expect(selectionMatches(selection({ tagPatternList: ['*'] }), untagged)).toBe(false);
    expect(selectionMatches(selection({ tagPatternList: ['*'] }), imageFactory({ tags: ['x'] }))).toBe(true);
  });

  it('selects only untagged images with tagStatus untagged', () => {
    // Prepare
    const rule = selection({ tagStatus: 'untagged' });

    // Act & Assess
    expect(selectionMatches(rule, imageFactory({ tags: [] }))).toBe(true);
    expect(selectionMatches(rule, imageFactory({ tags: ['v1'] }))).toBe(false);
  });

  it('selects tagged and untagged images with tagStatus any', () => {
    // Prepare
    const rule = selection({ tagStatus: 'any' });

    // Act & Assess
    expect(selectionMatches(rule, imageFactory({ tags: [] }))).toBe(true);
    expect(selectionMatches(rule, imageFactory({ tags: ['v1'] }))).toBe(true);
  });

  it('never selects an archived image with a standard rule, nor a standard image with an archive rule', () => {
    // Prepare
    const archived = imageFactory({ tags: ['prod-1'], storageClass: 'archive' });
    const standard = imageFactory({ tags: ['prod-1'], storageClass: 'standard' });
    const implicitStandard = selection({ tagStatus: 'any' });
    const archive = selection({ tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned' });

    // Act & Assess
    expect(selectionMatches(implicitStandard, archived)).toBe(false);
    expect(selectionMatches(selection({ tagPatternList: ['prod*'], storageClass: 'standard' }), archived)).toBe(false);
    expect(selectionMatches(archive, archived)).toBe(true);
    expect(selectionMatches(archive, standard)).toBe(false);
    expect(selectionMatches(implicitStandard, standard)).toBe(true);
  });
});
