import { describe, expect, it } from 'vitest';
import type { EcrPort, Tags, TaggingPort } from '../../src/lib/aws/ports.js';
import { toRegion, type Repository } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { sweepEcr, type SweepWarning } from '../../src/lib/repository-reads.js';
import { digestOf } from '../helpers/factories.js';
import { awsError, FakeEcr } from '../helpers/fakes.js';

const region = toRegion('us-east-1');
const EXCLUDE = { 'ecr-keeper:managed': 'false' };
const isExcluded = (_: Repository, tags: Tags): boolean => tags['ecr-keeper:managed'] === 'false';

/** A registry of `api` (tagged v1, v2), `worker` (untagged repository) and `legacy` (excluded, tagged v9). */
const registry = (): FakeEcr =>
  new FakeEcr({ region })
    .withRepository('api', { tags: { team: 'shop' }, policy: '{"rules":[]}' })
    .withImage('api', { digest: digestOf('api-1'), tags: ['v1'] })
    .withImage('api', { digest: digestOf('api-2'), tags: ['v2'] })
    .withRepository('worker')
    .withImage('worker', { digest: digestOf('worker-1'), tags: ['latest'] })
    .withRepository('legacy', { tags: EXCLUDE })
    .withImage('legacy', { digest: digestOf('legacy-9'), tags: ['v9'] });

/** The Tagging API over the fake registry: every tagged repository, or a failure. */
const taggingOf = (ecr: FakeEcr, fail?: Error): TaggingPort & { calls: number } => {
  const port = {
    region,
    calls: 0,
    async repositoryTags(): Promise<ReadonlyMap<string, Tags>> {
      port.calls += 1;
      if (fail !== undefined) throw fail;
      const byArn = new Map<string, Tags>();
      for await (const repository of ecr.listRepositories()) {
        const tags = await ecr.repositoryTags(repository.arn);
        if (Object.keys(tags).length > 0) byArn.set(repository.arn, tags);
      }
      ecr.calls.length = 0; // the bulk read is one call of its own, not ECR's
      return byArn;
    },
  };
  return port;
};

const wrap = (ecr: EcrPort, tagging: TaggingPort | undefined, warnings: SweepWarning[] = [], bulkTags = true): EcrPort =>
  sweepEcr(ecr, { tagging, bulkTags, isExcluded, concurrency: 2, budgetImages: 1_000, log: silentLog, warn: (w) => warnings.push(w) });

const listAll = async (ecr: EcrPort): Promise<Repository[]> => {
  const out: Repository[] = [];
  for await (const repository of ecr.listRepositories()) out.push(repository);
  return out;
};

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('Function: sweepEcr', () => {
  it('reads every repository tag with one bulk call: untagged repositories have none, and no ListTagsForResource is sent', async () => {
    // Prepare
    const ecr = registry();
    const tagging = taggingOf(ecr);
    const port = wrap(ecr, tagging);
    const repositories = await listAll(port);

    // Act
    const tags = await Promise.all(repositories.map((r) => port.repositoryTags(r.arn)));

    // Assess
    expect(tagging.calls).toBe(1);
    expect(ecr.callsOf('repositoryTags')).toHaveLength(0);
    expect(tags).toEqual([{ team: 'shop' }, {}, EXCLUDE]);
  });

  it('falls back to one ListTagsForResource per repository when the bulk read fails, and says so', async () => {
    // Prepare
    const ecr = registry();
    const warnings: SweepWarning[] = [];
    const port = wrap(ecr, taggingOf(ecr, awsError('AccessDeniedException', 'tag:GetResources')), warnings);
    const repositories = await listAll(port);

    // Act
    const tags = await Promise.all(repositories.map((r) => port.repositoryTags(r.arn)));

    // Assess: the exclusion tag is still seen, never taken for "no tag"
    expect(tags[2]).toEqual(EXCLUDE);
    expect(ecr.callsOf('repositoryTags')).toHaveLength(3);
    expect(warnings).toEqual([expect.objectContaining({ scope: 'tagging:us-east-1', message: expect.stringContaining('AccessDeniedException') })]);
  });

  it('does not read a repository ahead that planning took while its tags were awaited (one listing, not two)', async () => {
    // Prepare: the bulk tag read answers only when released, so the read-ahead waits on it
    const ecr = registry();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let repositories: Repository[] = [];
    const slow: TaggingPort = {
      region,
      repositoryTags: async () => {
        await gate;
        return new Map(repositories.filter((r) => r.name !== 'worker').map((r) => [r.arn, r.name === 'legacy' ? EXCLUDE : { team: 'shop' }]));
      },
    };
    const port = wrap(ecr, slow);
    repositories = await listAll(port);

    // Act: planning takes api and reads it itself, then the tags arrive
    const images = await port.listImages('api' as Repository['name']);
    release();
    await settle();
    await settle();

    // Assess
    expect(images.map((i) => i.digest)).toEqual([digestOf('api-1'), digestOf('api-2')]);
    expect(ecr.callsOf('listImages').filter((c) => c.args[0] === 'api')).toHaveLength(1);
    expect(ecr.callsOf('getLifecyclePolicy').filter((c) => c.args[0] === 'api')).toHaveLength(0);
  });

  it('reads the listed repositories ahead and hands each listing and policy out once, without reading them again', async () => {
    // Prepare
    const ecr = registry();
    const port = wrap(ecr, taggingOf(ecr));
    await listAll(port);
    await settle();

    // Act
    const images = (await port.listImages('api' as Repository['name'])).map((image) => image.digest);
    const policy = await port.getLifecyclePolicy('api' as Repository['name']);
    const again = (await port.listImages('api' as Repository['name'])).map((image) => image.digest);

    // Assess: one listing read ahead, handed out once; the next listing is read afresh
    expect(images).toEqual([digestOf('api-1'), digestOf('api-2')]);
    expect(policy?.text).toBe('{"rules":[]}');
    expect(again).toEqual(images);
    expect(ecr.callsOf('listImages').filter((c) => c.args[0] === 'api')).toHaveLength(2);
    expect(ecr.callsOf('getLifecyclePolicy').filter((c) => c.args[0] === 'api')).toHaveLength(1);
  });

  it('reads nothing but tags of an excluded repository', async () => {
    // Prepare
    const ecr = registry();
    const port = wrap(ecr, taggingOf(ecr));

    // Act
    await listAll(port);
    await settle();

    // Assess
    expect(ecr.callsOf('listImages').map((c) => c.args[0])).toEqual(['api', 'worker']);
    expect(ecr.callsOf('getLifecyclePolicy').map((c) => c.args[0])).toEqual(['api', 'worker']);
  });

  it("resolves a workload's tags from the listing the sweep reads, and by id only where it lists nothing", async () => {
    // Prepare
    const ecr = registry();
    const port = wrap(ecr, taggingOf(ecr));
    await listAll(port);

    // Act
    const api = await port.resolveTags('api' as Repository['name'], ['v2', 'gone']);
    const legacy = await port.resolveTags('legacy' as Repository['name'], ['v9']);
    await port.resolveTags('not-listed' as Repository['name'], ['v1']).catch(() => undefined);

    // Assess
    expect([...api]).toEqual([['v2', digestOf('api-2')]]);
    expect([...legacy]).toEqual([['v9', digestOf('legacy-9')]]);
    expect(ecr.callsOf('resolveTags').map((c) => c.args[0])).toEqual(['legacy', 'not-listed']);
  });
});
