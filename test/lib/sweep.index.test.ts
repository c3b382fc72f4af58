/**
 * Index children (issue 6, finding 7): ECR keeps the children of an image index while the index
 * exists. The sweep learns them from the index manifest it reads (apply mode), so the plan does not
 * list the children of an in-use index as expiring.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/lib/config.js';
import type { Region } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { childDigestsOf, runSweep, type SweepDeps } from '../../src/lib/sweep.js';
import { digestOf } from '../helpers/factories.js';
import { FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../helpers/fakes.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const REGION = 'us-east-1' as Region;
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * 86_400_000);
const config = parseConfig(JSON.parse(readFileSync('config/default.json', 'utf8')));

describe('Function: childDigestsOf', () => {
  it('reads the digests an OCI index or Docker manifest list names, and nothing from anything else', () => {
    // Prepare
    const [a, b] = [digestOf('a'), digestOf('b')];
    const index = JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [{ digest: a, size: 1 }, { digest: b, size: 2 }, { digest: 'not-a-digest' }] });

    // Act / Assess
    expect(childDigestsOf(index)).toEqual([a, b]);
    expect(childDigestsOf(JSON.stringify({ schemaVersion: 2, layers: [] }))).toEqual([]);
    expect(childDigestsOf('{ not json')).toEqual([]);
  });
});

describe('Function: runSweep (image indexes)', () => {
  it('does not count the untagged children of an in-use index as expiring, and reads the index manifest only in apply mode', async () => {
    // Prepare: a multi-arch image in use by its index digest; its two children are untagged and old
    const [amd, arm] = [digestOf('child-amd64'), digestOf('child-arm64')];
    const index = digestOf('index');
    const ecr = new FakeEcr({ now: () => NOW })
      .withImage('shop/api', { digest: amd, tags: [], pushedAt: daysAgo(40) })
      .withImage('shop/api', { digest: arm, tags: [], pushedAt: daysAgo(40) })
      .withImage('shop/api', {
        digest: index,
        tags: ['v1'],
        pushedAt: daysAgo(40),
        manifestMediaType: INDEX,
        manifestBody: JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [{ digest: amd }, { digest: arm }] }),
      });
    const ecs = new FakeEcs().withCluster('prod').withTask('prod', { containers: [{ image: `${HOST}/shop/api:v1`, imageDigest: index }] });
    const deps: SweepDeps = {
      config,
      log: silentLog,
      now: () => NOW,
      adaptersFor: (region) => ({ region, ecr, ecs, inspector: new FakeInspector(), events: new FakeEvents(), scheduler: new FakeScheduler(), lambda: new FakeLambda(), batch: new FakeBatch() }),
    };

    // Act
    const dry = await runSweep(deps, { mode: 'dry-run', regions: [REGION] });
    const readsInDryRun = ecr.callsOf('getManifests').length;
    const applied = await runSweep(deps, { mode: 'apply', regions: [REGION] });

    // Assess: the dry run cannot know the children (no manifest read: it would count as a pull) …
    expect(readsInDryRun).toBe(0);
    expect(dry.repositories[0]?.plan?.target?.affected.map((a) => a.digest).sort()).toEqual([amd, arm].sort());
    // … the apply reads the index manifest and keeps the children with their index
    const target = applied.repositories[0]?.plan?.target;
    expect(target?.affected.map((a) => a.digest) ?? []).not.toContain(amd);
    expect(target?.affected.map((a) => a.digest) ?? []).not.toContain(arm);
    expect(target?.inUseAtRisk).toEqual([]);
  });
});
