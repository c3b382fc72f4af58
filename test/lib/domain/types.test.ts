import { describe, expect, it } from 'vitest';
import { isRegion } from '../../../src/lib/domain/types.js';

describe('Function: isRegion', () => {
  it.each([
    'us-east-1',
    'eu-west-3',
    'ap-southeast-7',
    'mx-central-1',
    'us-gov-west-1',
    'cn-north-1',
    'cn-northwest-1',
    'us-iso-east-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
    'us-isof-south-1',
    'eusc-de-east-1',
  ])('accepts %s', (region) => {
    expect(isRegion(region)).toBe(true);
  });

  it.each(['', 'moon-1', 'mars-1', 'nowhere', 'us-east', 'US-EAST-1', 'us_east_1', 'useast1', 'us-east-1a', 'us--east-1', '-east-1', 'us-east-1 ', 'us-east-12x', 'europe-west-1', 'dkr.ecr.us-east-1'])(
    'rejects %j',
    (value) => {
      expect(isRegion(value)).toBe(false);
    },
  );
});
