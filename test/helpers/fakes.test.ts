import { describe, expect, it } from 'vitest';
import { toRepositoryName } from '../../src/lib/domain/types.js';
import { AwsCallError, ReadOnlyViolationError } from '../../src/lib/errors.js';
import { digestOf } from './factories.js';
import { awsError, deploymentRevisionsIn, FakeEcr, FakeEcs, FakeInspector } from './fakes.js';

const REPO = toRepositoryName('team/api');
const A = digestOf('a');
const B = digestOf('b');

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe('Class: FakeEcr', () => {
  it('moves a tag held by another digest in a mutable repository, leaving that image untagged', async () => {
    // Prepare
    const ecr = new FakeEcr().withImage(REPO, { digest: A, tags: ['keep'] }).withImage(REPO, { digest: B, tags: ['v2'] });
    const manifest = ecr.manifestOf(REPO, B);
    if (!manifest) throw new Error('manifest missing');

    // Act
    const outcome = await ecr.putImageTag(REPO, manifest, 'keep');

    // Assess
    expect(outcome).toBe('added');
    expect(ecr.tagsOf(REPO, B)).toEqual(['v2', 'keep']);
    expect(ecr.image(REPO, A)?.tags).toEqual([]);
  });

  it('refuses a tag held by another digest in an immutable repository', async () => {
    // Prepare
    const ecr = new FakeEcr().withRepository(REPO, { tagMutability: 'IMMUTABLE' }).withImage(REPO, { digest: A, tags: ['keep'] }).withImage(REPO, { digest: B });
    const manifest = ecr.manifestOf(REPO, B);
    if (!manifest) throw new Error('manifest missing');

    // Act
    const put = ecr.putImageTag(REPO, manifest, 'keep');

    // Assess
    await expect(put).rejects.toMatchObject({ awsCode: 'ImageTagAlreadyExistsException', action: 'ecr:PutImage' });
    expect(ecr.tagsOf(REPO, A)).toEqual(['keep']);
  });

  it('answers already-present for a tag the digest already has', async () => {
    // Prepare
    const ecr = new FakeEcr().withRepository(REPO, { tagMutability: 'IMMUTABLE' }).withImage(REPO, { digest: A, tags: ['keep'] });

    // Act
    const outcome = await ecr.putImageTag(REPO, ecr.manifestOf(REPO, A) ?? { digest: A, body: '', mediaType: '' }, 'keep');

    // Assess
    expect(outcome).toBe('already-present');
  });

  it('refuses a manifest that is not byte-identical to the stored one', async () => {
    // Prepare
    const ecr = new FakeEcr().withImage(REPO, { digest: A, manifestBody: '{"schemaVersion": 2}' });

    // Act
    const put = ecr.putImageTag(REPO, { digest: A, body: '{"schemaVersion":2}', mediaType: 'application/vnd.oci.image.manifest.v1+json' }, 'x');

    // Assess
    await expect(put).rejects.toMatchObject({ awsCode: 'ImageDigestDoesNotMatchException' });
  });

  it('deletes the image when its last tag is removed, and only then', async () => {
    // Prepare
    const ecr = new FakeEcr().withImage(REPO, { digest: A, tags: ['one', 'two'] });

    // Act
    await ecr.removeImageTag(REPO, 'one');
    const afterFirst = ecr.image(REPO, A);
    await ecr.removeImageTag(REPO, 'two');

    // Assess
    expect(afterFirst?.tags).toEqual(['two']);
    expect(ecr.image(REPO, A)).toBeUndefined();
  });

  it('records every call and counts the writes', async () => {
    // Prepare
    const ecr = new FakeEcr().withImage(REPO, { digest: A, tags: ['v1'] });

    // Act
    await ecr.resolveTags(REPO, ['v1']);
    await ecr.putLifecyclePolicy(REPO, JSON.stringify({ rules: [], padding: 'x'.repeat(100) }));
    await ecr.removeImageTag(REPO, 'absent');

    // Assess
    expect(ecr.calls.map((c) => c.method)).toEqual(['resolveTags', 'putLifecyclePolicy', 'removeImageTag']);
    expect(ecr.writeCalls()).toHaveLength(2);
  });

  it('throws what failOn returns, and lets a hook delete a repository mid-sweep', async () => {
    // Prepare
    const ecr = new FakeEcr().withImage(REPO, { digest: A }).withImage('other', { digest: B });
    ecr.failOn = (method, args) => {
      if (method === 'listImages' && args[0] === 'other') ecr.deleteRepository('other');
      return method === 'getLifecyclePolicy' ? awsError('AccessDeniedException', 'ecr:GetLifecyclePolicy') : undefined;
    };

    // Act
    const denied = ecr.getLifecyclePolicy(REPO);
    const gone = ecr.listImages(toRepositoryName('other'));

    // Assess
    await expect(denied).rejects.toBeInstanceOf(AwsCallError);
    await expect(gone).rejects.toMatchObject({ awsCode: 'RepositoryNotFoundException' });
  });

  it('counts getManifests as a pull of every image returned, leaves missing images out, and records one call', async () => {
    // Prepare
    const now = new Date('2025-06-01T00:00:00Z');
    const missing = digestOf('missing');
    const ecr = new FakeEcr({ now: () => now }).withImage(REPO, { digest: A });

    // Act
    const manifests = await ecr.getManifests(REPO, [A, missing, A]);

    // Assess
    expect(ecr.image(REPO, A)?.lastPulledAt).toEqual(now);
    expect([...manifests.keys()]).toEqual([A]);
    expect(manifests.get(A)).toEqual(ecr.manifestOf(REPO, A));
    expect(ecr.callsOf('getManifests')).toHaveLength(1);
  });

  it('throws ReadOnlyViolationError on writes when read-only', async () => {
    // Prepare
    const ecr = new FakeEcr({ readOnly: true }).withRepository(REPO);

    // Act
    const put = ecr.putLifecyclePolicy(REPO, 'x'.repeat(200));

    // Assess
    await expect(put).rejects.toBeInstanceOf(ReadOnlyViolationError);
  });
});

describe('Class: FakeEcs', () => {
  it('lists what the builders set up, with service groups and revisions', async () => {
    // Prepare
    const ecs = new FakeEcs({ region: 'eu-west-1' })
      .withCluster('main', { tags: { env: 'prod' } })
      .withTask('main', { service: 'api', containers: ['nginx:1'] })
      .withService('main', 'api', { currentRevisions: [[{ image: 'nginx:1', imageDigest: A }]], deploymentRevisions: [['nginx:0']] });
    const clusterArn = ecs.clusterArn('main');

    // Act
    const clusters = await collect(ecs.listClusters());
    const tasks = await collect(ecs.listTasks(clusterArn));
    const [service] = await collect(ecs.listServices(clusterArn));
    const deployed = await deploymentRevisionsIn(ecs, clusterArn, [ecs.serviceArn('main', 'api')]);
    const deployment = deployed.byService.get(ecs.serviceArn('main', 'api')) ?? [];
    const revisions = await ecs.describeServiceRevisions([...(service?.currentRevisionArns ?? []), ...deployment, 'unknown']);

    // Assess
    expect(clusters).toEqual([{ arn: clusterArn, name: 'main', tags: { env: 'prod' } }]);
    expect(tasks[0]).toMatchObject({ group: 'service:api', launchType: 'FARGATE', containers: [{ image: 'nginx:1' }] });
    expect(revisions.map((r) => r.containerImages[0]?.image)).toEqual(['nginx:1', 'nginx:0']);
  });

  it('fails only the service that a deployment fault names', async () => {
    // Prepare
    const ecs = new FakeEcs().withService('main', 'api', { deploymentRevisions: [['nginx:0']] }).withService('main', 'web', { deploymentRevisions: [['nginx:1']] });
    const [api, web] = [ecs.serviceArn('main', 'api'), ecs.serviceArn('main', 'web')];
    ecs.failOn = (method, args) => (method === 'deploymentRevisionArns' && args[1] === web ? awsError('ThrottlingException', 'ecs:ListServiceDeployments') : undefined);

    // Act
    const deployed = await deploymentRevisionsIn(ecs, ecs.clusterArn('main'), [api, web]);

    // Assess
    expect(deployed.byService.get(api)).toHaveLength(1);
    expect(deployed.byService.has(web)).toBe(false);
    expect(deployed.failures.get(web)).toMatchObject({ awsCode: 'ThrottlingException' });
  });
});

describe('Class: FakeInspector', () => {
  it('returns findings only for requested digests that have some', async () => {
    // Prepare
    const inspector = new FakeInspector().withFindings(REPO, A, { CRITICAL: 1, HIGH: 2 }).withFindings(REPO, B, {});

    // Act
    const findings = await inspector.findingsForImages(REPO, [A, B]);

    // Assess
    expect([...findings.keys()]).toEqual([A]);
    expect(findings.get(A)?.total).toBe(3);
  });
});
