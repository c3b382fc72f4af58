import { describe, expect, it } from 'vitest';
import { parseImageReference, partitionOf } from '../../../src/lib/domain/image-ref.js';
import { toRegion } from '../../../src/lib/domain/types.js';
import { digestOf } from '../../helpers/factories.js';

const D = digestOf('image-ref');
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

describe('Function: parseImageReference', () => {
  it.each([
    ['ECR by tag', `${HOST}/team/api:v1`, { registryId: '123456789012', region: 'us-east-1', repository: 'team/api', tag: 'v1', digest: undefined }],
    ['ECR by digest', `${HOST}/api@${D}`, { repository: 'api', tag: undefined, digest: D }],
    ['ECR by tag and digest', `${HOST}/api:v1@${D}`, { repository: 'api', tag: 'v1', digest: D }],
    ['ECR without tag or digest (defaults to latest)', `${HOST}/api`, { repository: 'api', tag: 'latest', digest: undefined }],
    ['ECR in China', '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api:v2', { region: 'cn-north-1', partition: 'aws-cn', repository: 'api', tag: 'v2' }],
    ['ECR FIPS endpoint', '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/api:v3', { region: 'us-gov-west-1', partition: 'aws-us-gov', tag: 'v3' }],
    ['ECR dual-stack endpoint', '123456789012.dkr-ecr.eu-west-1.on.aws/api:v4', { region: 'eu-west-1', partition: 'aws', tag: 'v4' }],
    ['ECR commercial FIPS endpoint', '123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/api:v5', { region: 'us-east-1', partition: 'aws', tag: 'v5' }],
    ['ECR in GovCloud', '123456789012.dkr.ecr.us-gov-east-1.amazonaws.com/api@' + D, { region: 'us-gov-east-1', partition: 'aws-us-gov', digest: D }],
    ['ECR dual-stack in China', '123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn/api:v6', { region: 'cn-northwest-1', partition: 'aws-cn', tag: 'v6' }],
    ['ECR in ISO (C2S)', '123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov/team/api:v7', { registryId: '123456789012', region: 'us-iso-east-1', partition: 'aws-iso', repository: 'team/api', tag: 'v7' }],
    ['ECR in ISO-B (SC2S)', `123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov/api@${D}`, { region: 'us-isob-east-1', partition: 'aws-iso-b', repository: 'api', digest: D }],
    ['ECR in ISO-E', '123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk/api:v8', { region: 'eu-isoe-west-1', partition: 'aws-iso-e', tag: 'v8' }],
    ['ECR in ISO-F', '123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov/api:v9', { region: 'us-isof-south-1', partition: 'aws-iso-f', tag: 'v9' }],
    ['ECR dual-stack in ISO', '123456789012.dkr-ecr.us-iso-west-1.on.aws.ic.gov/api:v11', { region: 'us-iso-west-1', partition: 'aws-iso', tag: 'v11' }],
    ['ECR dual-stack in ISO-B', '123456789012.dkr-ecr.us-isob-east-1.on.aws.scloud/api:v12', { region: 'us-isob-east-1', partition: 'aws-iso-b', tag: 'v12' }],
    ['ECR dual-stack FIPS in GovCloud', '123456789012.dkr-ecr-fips.us-gov-west-1.on.aws/api:v13', { region: 'us-gov-west-1', partition: 'aws-us-gov', tag: 'v13' }],
    ['ECR in the European Sovereign Cloud', '123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu/api:v10', { region: 'eusc-de-east-1', partition: 'aws-eusc', tag: 'v10' }],
    ['ECR of another account', '210987654321.dkr.ecr.eu-central-1.amazonaws.com/shared/base:1', { registryId: '210987654321', region: 'eu-central-1', repository: 'shared/base' }],
    ['ECR pull-through cache path', `${HOST}/docker-hub/library/nginx:1.25`, { repository: 'docker-hub/library/nginx', tag: '1.25' }],
    ['ECR with upper-case host', `${HOST.toUpperCase()}/api:v1`, { host: HOST, repository: 'api' }],
    ['ECR on port 443', `${HOST}:443/api:v1`, { repository: 'api', tag: 'v1' }],
  ])('parses %s as ECR', (_name, image, expected) => {
    // Act
    const parsed = parseImageReference(image);

    // Assess
    expect(parsed.kind).toBe('ecr');
    expect(parsed).toMatchObject(expected);
  });

  it.each([
    ['a China region under the commercial domain', '123456789012.dkr.ecr.cn-north-1.amazonaws.com/api:v1', { repository: 'api', tag: 'v1' }, /cn-north-1.*aws-cn.*amazonaws\.com\.cn/],
    ['a commercial region under the China domain', `123456789012.dkr.ecr.us-east-1.amazonaws.com.cn/api@${D}`, { repository: 'api', digest: D }, /us-east-1.*amazonaws\.com\b/],
    ['an ISO region under the commercial domain', '123456789012.dkr.ecr.us-iso-east-1.amazonaws.com/api:v1', { repository: 'api' }, /us-iso-east-1.*aws-iso.*c2s\.ic\.gov/],
    ['a registry domain no partition uses', `123456789012.dkr.ecr.us-east-1.example.gov/team/api@${D}`, { repository: 'team/api', digest: D }, /example\.gov/],
    ['a dual-stack host under the standard domain', '123456789012.dkr-ecr.us-iso-east-1.c2s.ic.gov/api:v1', { repository: 'api' }, /aws-iso.*dual-stack.*on\.aws\.ic\.gov/],
  ])('reports an ECR host it cannot place (%s) with a reason, keeping what it names', (_name, image, expected, reason) => {
    // Act
    const parsed = parseImageReference(image);

    // Assess
    expect(parsed.kind).toBe('ecr-unplaced');
    expect(parsed).toMatchObject({ registryId: '123456789012', ...expected });
    expect(parsed.kind === 'ecr-unplaced' && parsed.reason).toMatch(reason);
  });

  it.each([
    ['Docker Hub short name', 'nginx:1.25', { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' }],
    ['Docker Hub bare name', 'busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['Docker Hub user image', 'grafana/grafana:10.0.0', { registry: 'docker.io', repository: 'grafana/grafana', tag: '10.0.0' }],
    ['Docker Hub index host', 'index.docker.io/library/redis:7', { registry: 'docker.io', repository: 'library/redis' }],
    ['GitHub registry', 'ghcr.io/org/tool/sub:main', { registry: 'ghcr.io', repository: 'org/tool/sub', tag: 'main' }],
    ['ECR Public', 'public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0', { registry: 'public.ecr.aws', repository: 'aws-observability/aws-otel-collector' }],
    ['local registry with port', 'localhost:5000/x', { registry: 'localhost:5000', repository: 'x', tag: 'latest' }],
    ['local registry with port and tag', 'localhost:5000/a/b:dev', { registry: 'localhost:5000', repository: 'a/b', tag: 'dev' }],
    ['by digest elsewhere', `quay.io/org/app@${D}`, { registry: 'quay.io', repository: 'org/app', tag: undefined, digest: D }],
    ['an ECR-looking host with a bad account', '12345.dkr.ecr.us-east-1.amazonaws.com/api:v1', { registry: '12345.dkr.ecr.us-east-1.amazonaws.com' }],
  ])('parses %s as another registry', (_name, image, expected) => {
    // Act
    const parsed = parseImageReference(image);

    // Assess
    expect(parsed.kind).toBe('other');
    expect(parsed).toMatchObject(expected);
  });

  it.each([
    ['empty string', ''],
    ['whitespace', 'nginx :1'],
    ['upper-case repository', 'nginx/App:1'],
    ['empty tag', 'nginx:'],
    ['bad digest', 'nginx@sha256:xyz'],
    ['two at signs', `nginx@${D}@${D}`],
    ['only a host', `${HOST}/`],
    ['double slash', 'ghcr.io//app'],
    ['tag too long', `nginx:${'a'.repeat(129)}`],
    ['ECR with a non-region', '123456789012.dkr.ecr.nowhere.amazonaws.com/api:v1'],
    ['ECR with a one-character repository', `${HOST}/a:v1`],
    ['ECR with a non-sha256 digest', `${HOST}/api@sha512:${'a'.repeat(128)}`],
    ['ECR with an upper-case digest', `${HOST}/api@sha256:${D.slice('sha256:'.length).toUpperCase()}`],
    ['punctuation', ':::'],
  ])('reports %s as invalid with a reason', (_name, image) => {
    // Act
    const parsed = parseImageReference(image);

    // Assess
    expect(parsed).toEqual({ kind: 'invalid', reason: expect.stringMatching(/\S/) });
  });
});

describe('Function: partitionOf', () => {
  it.each([
    ['us-east-1', 'aws'],
    ['ap-southeast-7', 'aws'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['cn-north-1', 'aws-cn'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['us-isof-south-1', 'aws-iso-f'],
    ['eusc-de-east-1', 'aws-eusc'],
  ])('places %s in %s', (region, partition) => {
    expect(partitionOf(toRegion(region))).toBe(partition);
  });
});
