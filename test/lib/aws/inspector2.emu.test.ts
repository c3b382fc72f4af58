/**
 * The Inspector adapter over the real SDK against the emulator: active findings of the asked
 * images of one repository, counted by severity.
 */
import { describe, expect, it } from 'vitest';
import { toRepositoryName } from '../../../src/lib/domain/types.js';
import { digestOf } from '../../helpers/factories.js';
import { useEmulator } from '../../helpers/use-emulator.js';

const {
  emu,
  adapters: { inspector },
} = useEmulator();
const api = toRepositoryName('team/api');

describe('Function: findingsForImages', () => {
  it('counts active findings of the asked digests in the repository by severity', async () => {
    // Prepare
    const a = digestOf('a');
    const b = digestOf('b');
    const other = digestOf('other');
    await emu.seedFindings([
      { repositoryName: api, imageDigest: a, severity: 'CRITICAL' },
      { repositoryName: api, imageDigest: a, severity: 'HIGH' },
      { repositoryName: api, imageDigest: a, severity: 'HIGH' },
      { repositoryName: api, imageDigest: a, severity: 'LOW', status: 'CLOSED' },
      { repositoryName: api, imageDigest: b, severity: 'MEDIUM', status: 'SUPPRESSED' },
      { repositoryName: api, imageDigest: other, severity: 'CRITICAL' },
      { repositoryName: 'team/web', imageDigest: b, severity: 'CRITICAL' },
    ]);

    // Act
    const result = await inspector.findingsForImages(api, [a, b]);

    // Assess
    expect(result.get(a)).toEqual({ digest: a, bySeverity: { CRITICAL: 1, HIGH: 2 }, total: 3 });
    expect(result.has(b)).toBe(false);
    expect(result.has(other)).toBe(false);
  });

  it('finds findings of digests beyond the first ten asked for, across pages', async () => {
    // Prepare
    const digests = Array.from({ length: 25 }, (_, i) => digestOf(`img-${i}`));
    await emu.seedFindings(
      digests.flatMap((digest) => Array.from({ length: 12 }, () => ({ repositoryName: api, imageDigest: digest, severity: 'LOW' as const }))),
    );

    // Act
    const result = await inspector.findingsForImages(api, digests);

    // Assess
    expect(result.size).toBe(25);
    expect([...result.values()].every((f) => f.total === 12 && f.bySeverity['LOW'] === 12)).toBe(true);
  });
});
