import { describe, expect, it } from 'vitest';
import { parseConfig, type KeeperConfig } from '../../src/lib/config.js';
import { toAccountId, toRegion, toRepositoryName, type AccountId, type Region } from '../../src/lib/domain/types.js';
import type { EcrPort } from '../../src/lib/aws/ports.js';
import { collectReferences, inUseByRepository, repositoryKey, resolveInUse, type WorkloadReference } from '../../src/lib/inuse.js';
import { digestOf } from '../helpers/factories.js';
import { awsError, FakeEcr, FakeEcs } from '../helpers/fakes.js';

const config: KeeperConfig = parseConfig({
  regions: ['us-east-1'],
  environments: [
    { name: 'prod', tagPrefix: 'prod-', keepNewest: 30 },
    { name: 'dev', tagPrefix: 'dev-', keepNewest: 5 },
  ],
  environmentResolution: { tagKeys: ['env'], namePatterns: [{ pattern: '*dev*', environment: 'dev' }], default: 'prod' },
});

const ACCOUNT = toAccountId('123456789012');
const OTHER_ACCOUNT = '210987654321';
const REGION = toRegion('us-east-1');
const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const OWN = new Set<AccountId>([ACCOUNT]);

const ref = (image: string, options: Partial<WorkloadReference['source']> & { imageDigest?: ReturnType<typeof digestOf> } = {}): WorkloadReference => {
  const { imageDigest, ...source } = options;
  return {
    source: { kind: 'task', region: REGION, cluster: 'main', arn: `arn:task/${image}`, image, environment: 'prod', ...source },
    imageDigest,
  };
};

describe('Function: collectReferences', () => {
  it('collects every container of Fargate and EC2 tasks with digest and environment', async () => {
    // Prepare
    const web = digestOf('web');
    const sidecar = digestOf('sidecar');
    const ecs = new FakeEcs()
      .withCluster('apps-dev', { tags: {} })
      .withTask('apps-dev', { launchType: 'FARGATE', containers: [{ image: `${HOST}/web:1`, imageDigest: web }, { image: 'datadog/agent:7', imageDigest: sidecar }] })
      .withTask('apps-dev', { launchType: 'EC2', tags: { env: 'prod' }, containers: [{ image: `${HOST}/web:1`, imageDigest: web }] });

    // Act
    const collected = await collectReferences(ecs, config);

    // Assess
    expect(collected.complete).toBe(true);
    expect(collected.references).toHaveLength(3);
    expect(collected.references.map((r) => r.imageDigest)).toEqual([web, sidecar, web]);
    expect(collected.references.map((r) => r.source.environment)).toEqual(['dev', 'dev', 'prod']);
    expect(collected.references.every((r) => r.source.kind === 'task' && r.source.cluster === 'apps-dev' && r.source.region === 'us-east-1')).toBe(true);
  });

  it('keeps a pending task without digest as a tag reference for later resolution', async () => {
    // Prepare
    const ecs = new FakeEcs().withTask('main', { lastStatus: 'PENDING', containers: [`${HOST}/web:2`] });

    // Act
    const collected = await collectReferences(ecs, config);

    // Assess
    expect(collected.references).toEqual([expect.objectContaining({ imageDigest: undefined, source: expect.objectContaining({ image: `${HOST}/web:2` }) })]);
  });

  it('names the service of a task from its group and resolves the environment with the service tags', async () => {
    // Prepare
    const ecs = new FakeEcs()
      .withService('main', 'api', { tags: { env: 'dev' } })
      .withTask('main', { service: 'api', containers: [{ image: `${HOST}/api:1`, imageDigest: digestOf('api') }] });

    // Act
    const collected = await collectReferences(ecs, config);

    // Assess
    expect(collected.references).toEqual([expect.objectContaining({ source: expect.objectContaining({ kind: 'task', service: 'api', environment: 'dev' }) })]);
  });

  it('counts the current revision of a service scaled to zero', async () => {
    // Prepare
    const pinned = digestOf('pinned');
    const ecs = new FakeEcs().withService('main', 'batch', { desiredCount: 0, currentRevisions: [[{ image: `${HOST}/batch:latest`, imageDigest: pinned }]] });

    // Act
    const collected = await collectReferences(ecs, config);

    // Assess
    expect(collected.references).toEqual([
      expect.objectContaining({ imageDigest: pinned, source: expect.objectContaining({ kind: 'service-revision', service: 'batch', cluster: 'main' }) }),
    ]);
  });

  it('includes deployment source revisions, the rollback targets', async () => {
    // Prepare
    const current = digestOf('v2');
    const previous = digestOf('v1');
    const ecs = new FakeEcs().withService('main', 'api', {
      currentRevisions: [[{ image: `${HOST}/api:v2`, imageDigest: current }]],
      deploymentRevisions: [[{ image: `${HOST}/api:v1`, imageDigest: previous }]],
    });

    // Act
    const collected = await collectReferences(ecs, config);

    // Assess
    const byKind = Object.fromEntries(collected.references.map((r) => [r.source.kind, r.imageDigest]));
    expect(byKind).toEqual({ 'service-revision': current, 'deployment-revision': previous });
  });

  it('records a failing cluster and still collects the others', async () => {
    // Prepare
    const ecs = new FakeEcs()
      .withTask('broken', { containers: [`${HOST}/app-a:1`] })
      .withTask('healthy', { containers: [{ image: `${HOST}/app-b:1`, imageDigest: digestOf('b') }] })
      .withService('healthy', 'svc', { currentRevisions: [[{ image: `${HOST}/app-c:1`, imageDigest: digestOf('c') }]] });
    ecs.failOn = (method, args) => (method === 'listTasks' && args[0] === ecs.clusterArn('broken') ? awsError('AccessDeniedException', 'ecs:ListTasks') : undefined);

    // Act
    const collected = await collectReferences(ecs, config);

    // Assess
    expect(collected.complete).toBe(false);
    expect(collected.failures).toEqual([{ scope: 'ecs:us-east-1:cluster/broken:tasks', error: expect.objectContaining({ awsCode: 'AccessDeniedException' }) }]);
    expect(collected.references.map((r) => r.imageDigest)).toEqual([digestOf('b'), digestOf('c')]);
  });

  it('records unavailable service revisions as a failure scoped to the service', async () => {
    // Prepare
    const ecs = new FakeEcs()
      .withService('main', 'api', { currentRevisions: [[`${HOST}/api:1`]] })
      .withTask('main', { containers: [{ image: `${HOST}/app-x:1`, imageDigest: digestOf('x') }] });
    ecs.failOn = (method) => (method === 'describeServiceRevisions' ? awsError('InvalidParameterException', 'ecs:DescribeServiceRevisions') : undefined);

    // Act
    const collected = await collectReferences(ecs, config);

    // Assess
    expect(collected.complete).toBe(false);
    expect(collected.failures.map((f) => f.scope)).toEqual(['ecs:us-east-1:cluster/main:service/api:revisions']);
    expect(collected.references).toHaveLength(1);
  });

  it('records a failing deployment lookup and still reads the current revisions', async () => {
    // Prepare
    const ecs = new FakeEcs().withService('main', 'api', { currentRevisions: [[{ image: `${HOST}/api:1`, imageDigest: digestOf('api') }]] });
    ecs.failOn = (method) => (method === 'deploymentRevisionArns' ? awsError('ThrottlingException', 'ecs:ListServiceDeployments') : undefined);

    // Act
    const collected = await collectReferences(ecs, config);

    // Assess
    expect(collected.failures.map((f) => f.scope)).toEqual(['ecs:us-east-1:cluster/main:service/api:deployments']);
    expect(collected.references.map((r) => r.imageDigest)).toEqual([digestOf('api')]);
  });

  it('treats a revision ECS does not return as a failure, since its digests are unknown', async () => {
    // Prepare
    const ecs = new FakeEcs().withService('main', 'api', { extraCurrentRevisionArns: ['arn:aws:ecs:us-east-1:123456789012:service-revision/main/api/404'] });

    // Act
    const collected = await collectReferences(ecs, config);

    // Assess
    expect(collected.complete).toBe(false);
    expect(String(collected.failures[0]?.error)).toContain('service-revision/main/api/404');
  });

  it('describes the revisions of all services of a cluster in one call and credits each to its service', async () => {
    // Prepare: 45 deployment revisions spread over three services, plus their current revisions
    const ecs = new FakeEcs();
    for (const name of ['api', 'web', 'worker'])
      ecs.withService('main', name, {
        currentRevisions: [[{ image: `${HOST}/${name}:live`, imageDigest: digestOf(`${name}-live`) }]],
        deploymentRevisions: Array.from({ length: 15 }, (_, i) => [{ image: `${HOST}/${name}:${i}`, imageDigest: digestOf(`${name}-${i}`) }]),
      });

    // Act
    const collected = await collectReferences(ecs, config);

    // Assess
    expect(collected.complete).toBe(true);
    expect(ecs.callsOf('describeServiceRevisions').map((c) => (c.args[0] as string[]).length)).toEqual([48]);
    expect(collected.references).toHaveLength(48);
    for (const name of ['api', 'web', 'worker']) {
      const ofService = collected.references.filter((r) => r.source.service === name);
      expect(ofService.map((r) => r.source.kind)).toEqual(['service-revision', ...Array<string>(15).fill('deployment-revision')]);
      expect(ofService.every((r) => r.source.image.startsWith(`${HOST}/${name}:`))).toBe(true);
    }
  });

  describe('services that report no revisions', () => {
    const taskDefinition = (family: string, revision: number): string => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${revision}`;

    it('fall back to the task definition of a service scaled to zero, older than service revisions', async () => {
      // Prepare: no currentServiceRevisions, no task running: only the task definition names the image
      const ecs = new FakeEcs()
        .withTaskDefinition(taskDefinition('batch', 4), [`${HOST}/batch:1.2.0`, 'datadog/agent:7'])
        .withService('main', 'batch', { desiredCount: 0, taskDefinitionArn: taskDefinition('batch', 4), tags: { env: 'dev' } });

      // Act
      const collected = await collectReferences(ecs, config);

      // Assess
      expect(collected.complete).toBe(true);
      expect(collected.references).toEqual([
        { source: { kind: 'task-definition', region: REGION, cluster: 'main', service: 'batch', arn: taskDefinition('batch', 4), image: `${HOST}/batch:1.2.0`, environment: 'dev' }, imageDigest: undefined },
        { source: expect.objectContaining({ kind: 'task-definition', image: 'datadog/agent:7' }), imageDigest: undefined },
      ]);
    });

    it('read the task definitions of every PRIMARY and ACTIVE task set of a CODE_DEPLOY service, revisions or not', async () => {
      // Prepare: blue/green mid-way; ECS reports a revision too, which still counts
      const ecs = new FakeEcs()
        .withTaskDefinition(taskDefinition('api', 2), [`${HOST}/api:blue`])
        .withTaskDefinition(taskDefinition('api', 3), [`${HOST}/api:green`])
        .withService('main', 'api', {
          deploymentController: 'CODE_DEPLOY',
          currentRevisions: [[{ image: `${HOST}/api:blue`, imageDigest: digestOf('blue') }]],
          taskDefinitionArn: taskDefinition('api', 2),
          taskSetTaskDefinitionArns: [taskDefinition('api', 2), taskDefinition('api', 3)],
        });

      // Act
      const collected = await collectReferences(ecs, config);

      // Assess
      expect(collected.complete).toBe(true);
      expect(collected.references.map((r) => [r.source.kind, r.source.image])).toEqual([
        ['task-definition', `${HOST}/api:blue`],
        ['task-definition', `${HOST}/api:green`],
        ['service-revision', `${HOST}/api:blue`],
      ]);
      expect(ecs.callsOf('describeTaskDefinitions').map((c) => c.args[0])).toEqual([[taskDefinition('api', 2), taskDefinition('api', 3)]]);
    });

    it('leave a service with revisions and the ECS controller to its revisions: no task definition is described', async () => {
      // Prepare
      const ecs = new FakeEcs().withService('main', 'api', {
        deploymentController: 'ECS',
        currentRevisions: [[{ image: `${HOST}/api:1`, imageDigest: digestOf('api') }]],
        taskDefinitionArn: taskDefinition('api', 1),
      });

      // Act
      const collected = await collectReferences(ecs, config);

      // Assess
      expect(collected.references.map((r) => r.source.kind)).toEqual(['service-revision']);
      expect(ecs.callsOf('describeTaskDefinitions')).toEqual([]);
    });

    it('describe each task definition once per region, however many services and clusters name it', async () => {
      // Prepare
      const shared = taskDefinition('worker', 1);
      const ecs = new FakeEcs()
        .withTaskDefinition(shared, [`${HOST}/worker:1`])
        .withTaskDefinition(taskDefinition('cron', 5), [`${HOST}/cron:5`])
        .withService('a', 'w1', { desiredCount: 0, taskDefinitionArn: shared })
        .withService('a', 'w2', { desiredCount: 0, taskDefinitionArn: shared })
        .withService('b', 'w3', { desiredCount: 0, taskDefinitionArn: shared })
        .withService('b', 'cron', { desiredCount: 0, taskDefinitionArn: taskDefinition('cron', 5) });

      // Act
      const collected = await collectReferences(ecs, config);

      // Assess
      expect(ecs.callsOf('describeTaskDefinitions').map((c) => c.args[0])).toEqual([[shared], [taskDefinition('cron', 5)]]);
      expect(collected.references.map((r) => `${r.source.cluster}/${r.source.service ?? ''}`)).toEqual(['a/w1', 'a/w2', 'b/w3', 'b/cron']);
    });

    it('make the in-use set incomplete when the task definitions cannot be described', async () => {
      // Prepare
      const ecs = new FakeEcs()
        .withTaskDefinition(taskDefinition('batch', 4), [`${HOST}/batch:1`])
        .withService('main', 'batch', { desiredCount: 0, taskDefinitionArn: taskDefinition('batch', 4) })
        .withTask('main', { containers: [{ image: `${HOST}/other:1`, imageDigest: digestOf('other') }] });
      ecs.failOn = (method) => (method === 'describeTaskDefinitions' ? awsError('ThrottlingException', 'ecs:DescribeTaskDefinition') : undefined);

      // Act
      const collected = await collectReferences(ecs, config);

      // Assess
      expect(collected.complete).toBe(false);
      expect(collected.failures).toEqual([
        { scope: 'ecs:us-east-1:cluster/main:service/batch:task-definitions', error: expect.objectContaining({ awsCode: 'ThrottlingException' }) },
      ]);
      expect(collected.references.map((r) => r.imageDigest)).toEqual([digestOf('other')]);
    });

    it('treat a task definition ECS does not return as a failure, since the images it names are unknown', async () => {
      // Prepare
      const ecs = new FakeEcs().withService('main', 'batch', { desiredCount: 0, taskDefinitionArn: taskDefinition('gone', 1) });

      // Act
      const collected = await collectReferences(ecs, config);

      // Assess
      expect(collected.complete).toBe(false);
      expect(collected.failures.map((f) => f.scope)).toEqual(['ecs:us-east-1:cluster/main:service/batch:task-definitions']);
      expect(String(collected.failures[0]?.error)).toContain(taskDefinition('gone', 1));
    });
  });

  it('records a failure to list clusters at region scope', async () => {
    // Prepare
    const ecs = new FakeEcs().withTask('main', { containers: [`${HOST}/app-a:1`] });
    ecs.failOn = (method) => (method === 'listClusters' ? awsError('AccessDeniedException', 'ecs:ListClusters') : undefined);

    // Act
    const collected = await collectReferences(ecs, config);

    // Assess
    expect(collected).toMatchObject({ complete: false, references: [], failures: [{ scope: 'ecs:us-east-1:clusters' }] });
  });
});

describe('Function: resolveInUse', () => {
  const ecrOf =
    (ecr: EcrPort) =>
    (region: Region): EcrPort | undefined =>
      region === ecr.region ? ecr : undefined;

  it('uses the pulled digest over the tag', async () => {
    // Prepare
    const pulled = digestOf('pulled');
    const ecr = new FakeEcr().withImage('web', { digest: digestOf('newer'), tags: ['1'] });

    // Act
    const result = await resolveInUse([ref(`${HOST}/web:1`, { imageDigest: pulled })], ecrOf(ecr), OWN, config);

    // Assess
    expect(result.images.map((i) => i.digest)).toEqual([pulled]);
    expect(ecr.callsOf('resolveTags')).toHaveLength(0);
  });

  it('uses the digest an image string names', async () => {
    // Prepare
    const named = digestOf('named');
    const ecr = new FakeEcr();

    // Act
    const result = await resolveInUse([ref(`${HOST}/web:1@${named}`)], ecrOf(ecr), OWN, config);

    // Assess
    expect(result.images).toEqual([expect.objectContaining({ registryId: ACCOUNT, region: REGION, repository: 'web', digest: named })]);
  });

  it('protects both digests when the pulled digest differs from the one the image string pins', async () => {
    // Prepare
    const pinned = digestOf('pinned');
    const pulled = digestOf('pulled');

    // Act
    const result = await resolveInUse([ref(`${HOST}/web@${pinned}`, { imageDigest: pulled })], ecrOf(new FakeEcr()), OWN, config);

    // Assess
    expect(result.images.map((i) => i.digest)).toEqual([pulled, pinned]);
  });

  it('resolves tag-only references with one resolveTags call per repository', async () => {
    // Prepare
    const ecr = new FakeEcr()
      .withImage('web', { digest: digestOf('w1'), tags: ['1'] })
      .withImage('web', { digest: digestOf('w2'), tags: ['2', 'latest'] })
      .withImage('team/worker', { digest: digestOf('k1'), tags: ['main'] });
    const references = [ref(`${HOST}/web:1`), ref(`${HOST}/web:2`), ref(`${HOST}/web`), ref(`${HOST}/web:1`, { arn: 'other-task' }), ref(`${HOST}/team/worker:main`)];

    // Act
    const result = await resolveInUse(references, ecrOf(ecr), OWN, config);

    // Assess
    expect(ecr.callsOf('resolveTags').map((c) => c.args[0])).toEqual(['web', 'team/worker']);
    expect(ecr.callsOf('resolveTags')[0]?.args[1]).toEqual(['1', '2', 'latest']);
    expect(result.images.map((i) => i.digest).sort()).toEqual([digestOf('w1'), digestOf('w2'), digestOf('k1')].sort());
    expect(result.complete).toBe(true);
  });

  it('reports a tag that does not exist as unresolved', async () => {
    // Prepare
    const ecr = new FakeEcr().withRepository('web');

    // Act
    const result = await resolveInUse([ref(`${HOST}/web:gone`)], ecrOf(ecr), OWN, config);

    // Assess
    expect(result.images).toEqual([]);
    expect(result.unresolved).toEqual([expect.objectContaining({ why: expect.stringContaining('"gone" not found') })]);
    expect(result.complete).toBe(true);
  });

  it('reports a tag in a missing repository as unresolved, not as a failure', async () => {
    // Act
    const result = await resolveInUse([ref(`${HOST}/deleted:1`)], ecrOf(new FakeEcr()), OWN, config);

    // Assess
    expect(result.unresolved).toHaveLength(1);
    expect(result.failures).toEqual([]);
  });

  it('records a failed tag lookup as a failure of that repository', async () => {
    // Prepare
    const ecr = new FakeEcr().withImage('web', { tags: ['1'] });
    ecr.failOn = (method) => (method === 'resolveTags' ? awsError('ThrottlingException', 'ecr:DescribeImages') : undefined);

    // Act
    const result = await resolveInUse([ref(`${HOST}/web:1`)], ecrOf(ecr), OWN, config);

    // Assess
    expect(result.complete).toBe(false);
    expect(result.failures.map((f) => f.scope)).toEqual(['ecr:us-east-1:repository/web']);
  });

  it('reports another account registry as foreign and does not protect it', async () => {
    // Prepare
    const image = `${OTHER_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/base@${digestOf('base')}`;

    // Act
    const result = await resolveInUse([ref(image)], ecrOf(new FakeEcr()), OWN, config);

    // Assess
    expect(result.images).toEqual([]);
    expect(result.foreign).toEqual([expect.objectContaining({ why: expect.stringContaining(OTHER_ACCOUNT) })]);
  });

  it('ignores non-ECR images, ECR Public included, and unparseable ones', async () => {
    // Prepare
    const ecr = new FakeEcr();

    // Act
    const result = await resolveInUse([ref('nginx:1.25'), ref('public.ecr.aws/x/y:1'), ref('NOT AN IMAGE')], ecrOf(ecr), OWN, config);

    // Assess
    expect(result.images).toEqual([]);
    expect(result.nonEcr).toHaveLength(2);
    expect(result.unresolved).toHaveLength(1);
    expect(ecr.calls).toEqual([]);
  });

  it('gives an image used by prod and dev to prod and merges its uses', async () => {
    // Prepare
    const digest = digestOf('shared');
    const references = [
      ref(`${HOST}/web:1`, { imageDigest: digest, environment: 'dev', arn: 'dev-task' }),
      ref(`${HOST}/web@${digest}`, { kind: 'service-revision', environment: 'prod', arn: 'prod-revision' }),
      ref(`${HOST}/web:1`, { imageDigest: digest, environment: 'dev', arn: 'dev-task' }),
    ];

    // Act
    const result = await resolveInUse(references, ecrOf(new FakeEcr()), OWN, config);

    // Assess
    expect(result.images).toHaveLength(1);
    expect(result.images[0]?.environment).toBe('prod');
    expect(result.images[0]?.uses.map((u) => u.arn)).toEqual(['dev-task', 'prod-revision']);
  });

  it('keeps the same digest in two repositories apart', async () => {
    // Prepare
    const digest = digestOf('copied');

    // Act
    const result = await resolveInUse([ref(`${HOST}/app-a@${digest}`), ref(`${HOST}/app-b@${digest}`)], ecrOf(new FakeEcr()), OWN, config);

    // Assess
    expect(result.images.map((i) => i.repository)).toEqual(['app-a', 'app-b']);
  });

  it('keeps a digest from another swept region in that region, and leaves tags there unresolved when not swept', async () => {
    // Prepare
    const euHost = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;

    // Act
    const result = await resolveInUse([ref(`${euHost}/web@${digestOf('eu')}`), ref(`${euHost}/web:1`)], ecrOf(new FakeEcr()), OWN, config);

    // Assess
    expect(result.images).toEqual([expect.objectContaining({ region: 'eu-west-1', digest: digestOf('eu') })]);
    expect(result.unresolved).toEqual([expect.objectContaining({ why: expect.stringContaining('eu-west-1 is not swept') })]);
  });

  it('protects the digest ECS pulled from its own registry in an ISO partition', async () => {
    // Prepare: a sweep of us-iso-east-1 (C2S), whose registry domain is c2s.ic.gov
    const isoRegion = toRegion('us-iso-east-1');
    const pulled = digestOf('iso');
    const image = `${ACCOUNT}.dkr.ecr.us-iso-east-1.c2s.ic.gov/web:1`;

    // Act
    const result = await resolveInUse([ref(image, { region: isoRegion, imageDigest: pulled })], () => undefined, OWN, config);

    // Assess
    expect(result.images).toEqual([expect.objectContaining({ registryId: ACCOUNT, region: isoRegion, repository: 'web', digest: pulled })]);
    expect(result.nonEcr).toEqual([]);
  });

  it.each([
    ['China', `${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/web:1`, 'aws-cn'],
    ['GovCloud', `${OTHER_ACCOUNT}.dkr.ecr.us-gov-west-1.amazonaws.com/web:1`, 'aws-us-gov'],
    ['ISO-B', `${ACCOUNT}.dkr.ecr.us-isob-east-1.sc2s.sgov.gov/web:1`, 'aws-iso-b'],
  ])('reports a registry in %s, seen from a commercial-region workload, as foreign, naming both partitions and the digest ECS reported', async (_name, image, partition) => {
    // Prepare
    const pulled = digestOf(`cross-${partition}`);
    const ecr = new FakeEcr();

    // Act
    const result = await resolveInUse([ref(image, { imageDigest: pulled })], ecrOf(ecr), OWN, config);

    // Assess
    expect(result.images).toEqual([]);
    expect(result.nonEcr).toEqual([]);
    expect(result.foreign).toEqual([{ reference: expect.objectContaining({ imageDigest: pulled }), why: expect.stringContaining(`partition ${partition}`) }]);
    expect(result.foreign[0]?.why).toContain('partition aws ');
    expect(result.foreign[0]?.why).toContain(pulled);
    expect(ecr.calls).toEqual([]);
  });

  it('reports an ECR host of its own account that it cannot place as unresolved, with the digest ECS reported, and the in-use set as incomplete', async () => {
    // Prepare: shaped like our registry, but in a domain no partition uses: it may be ours, so nothing can be proven unused
    const pulled = digestOf('unplaced');
    const image = `${ACCOUNT}.dkr.ecr.us-east-1.example.gov/web:1`;

    // Act
    const result = await resolveInUse([ref(image, { imageDigest: pulled })], ecrOf(new FakeEcr()), OWN, config);

    // Assess
    expect(result.nonEcr).toEqual([]);
    expect(result.unresolved).toEqual([{ reference: expect.objectContaining({ imageDigest: pulled }), why: expect.stringMatching(/example\.gov/) }]);
    expect(result.unresolved[0]?.why).toContain(pulled);
    expect(result.complete).toBe(false);
    expect(result.failures).toEqual([expect.objectContaining({ scope: expect.stringContaining(`${ACCOUNT}.dkr.ecr.us-east-1.example.gov`) })]);
  });

  it("reports another account's ECR host that it cannot place as foreign, with the reason", async () => {
    // Prepare: a China region under the commercial domain
    const image = `${OTHER_ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com/base@${digestOf('base')}`;

    // Act
    const result = await resolveInUse([ref(image)], ecrOf(new FakeEcr()), OWN, config);

    // Assess
    expect(result.nonEcr).toEqual([]);
    expect(result.foreign).toEqual([expect.objectContaining({ why: expect.stringMatching(/cannot be placed.*amazonaws\.com\.cn/) })]);
    expect(result.complete).toBe(true);
  });
});

describe('Function: inUseByRepository', () => {
  it('groups images under their registry/region/repository key', async () => {
    // Prepare
    const result = await resolveInUse(
      [ref(`${HOST}/app-a@${digestOf('1')}`), ref(`${HOST}/app-b@${digestOf('2')}`), ref(`${HOST}/app-a@${digestOf('3')}`)],
      () => undefined,
      OWN,
      config,
    );

    // Act
    const grouped = inUseByRepository(result.images);

    // Assess
    expect(grouped.get(repositoryKey(ACCOUNT, REGION, toRepositoryName('app-a')))?.map((i) => i.digest)).toEqual([digestOf('1'), digestOf('3')]);
    expect(grouped.get(repositoryKey(ACCOUNT, REGION, toRepositoryName('app-b')))).toHaveLength(1);
    expect([...grouped.keys()]).toEqual([`${ACCOUNT}/us-east-1/app-a`, `${ACCOUNT}/us-east-1/app-b`]);
  });
});
