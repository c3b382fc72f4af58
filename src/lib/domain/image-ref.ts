/**
 * Parses the image strings that workloads name (`containers[].image`) into registry, repository,
 * tag and digest, so "in use" is matched on registry id, region and repository, never on the
 * name alone. Pure: no AWS SDK import. Follows the Docker/OCI reference grammar
 * (distribution/reference): `[host[:port]/]path[:tag][@algorithm:hex]`.
 */
import { isDigest, isRegion, isRepositoryName, type AccountId, type Digest, type Region, type RepositoryName } from './types.js';

/** An AWS partition: accounts, credentials and registries of one never reach another's. */
export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-iso' | 'aws-iso-b' | 'aws-iso-e' | 'aws-iso-f' | 'aws-eusc';

/** An image in a private ECR registry (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/repo`, or its partition's domain). */
export interface EcrImageReference {
  readonly kind: 'ecr';
  /** The registry host as written, lower-cased (standard, FIPS, China or dual-stack endpoint). */
  readonly host: string;
  readonly registryId: AccountId;
  readonly region: Region;
  /** The partition of `region`, whose registry domain the host uses. */
  readonly partition: Partition;
  readonly repository: RepositoryName;
  /** `latest` when the reference names neither a tag nor a digest (what `docker pull` would fetch). */
  readonly tag?: string | undefined;
  /** When set, it is what a pull fetches: the tag, if also present, is ignored by the registry. */
  readonly digest?: Digest | undefined;
}

/**
 * A host shaped like a private ECR registry (`ACCOUNT.dkr.ecr….` or `ACCOUNT.dkr-ecr….`) that cannot be
 * placed in a region of a known partition: a region under another partition's domain, or a domain no
 * partition uses. It is not "another registry": it may be ECR, so callers report it with `reason`.
 */
export interface UnplacedEcrImageReference {
  readonly kind: 'ecr-unplaced';
  /** The host as written, lower-cased. */
  readonly host: string;
  readonly registryId: AccountId;
  readonly repository: RepositoryName;
  readonly tag?: string | undefined;
  readonly digest?: Digest | undefined;
  /** Why the host cannot be placed, e.g. which domain the region's partition uses instead. */
  readonly reason: string;
}

/** An image in any other registry: Docker Hub, ghcr.io, ECR Public, a local registry. */
export interface OtherImageReference {
  readonly kind: 'other';
  /** Registry host (with port if any); Docker Hub short names are normalised to `docker.io`. */
  readonly registry: string;
  /** Repository path; a one-component Docker Hub name gets the implicit `library/` prefix. */
  readonly repository: string;
  readonly tag?: string | undefined;
  /** `algorithm:hex` as written; not necessarily sha256 outside ECR. */
  readonly digest?: string | undefined;
}

/** A string that is not an image reference; `reason` says which part is wrong. */
export interface InvalidImageReference {
  readonly kind: 'invalid';
  readonly reason: string;
}

/** What `parseImageReference` makes of an image string. */
export type ImageReference = EcrImageReference | UnplacedEcrImageReference | OtherImageReference | InvalidImageReference;

const DEFAULT_TAG = 'latest';
const DOCKER_HUB = 'docker.io';

// distribution/reference grammar. Path components: lower-case alphanumerics joined by `.`, `_`, `__` or dashes.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[A-Fa-f0-9]{32,}$/;
// A host label list, optionally with a port; IPv6 literals in brackets are accepted too.
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

// Private ECR registry hosts (ECR user guide, "Making requests to Amazon ECR registries"):
// ACCOUNT.dkr.ecr[-fips].REGION.DOMAIN and the dual-stack ACCOUNT.dkr-ecr[-fips].REGION.DUAL_STACK_DOMAIN,
// where the domains are those of the region's partition. Port 443 is the same endpoint.
const ECR_HOST = /^(\d{12})\.(dkr\.ecr|dkr-ecr)(?:-fips)?\.([a-z0-9-]+)\.([a-z0-9.-]+)(?::443)?$/;

/**
 * Each partition's region prefix and registry domains: the standard domain is the partition's DNS
 * suffix (the AWS SDK's partitions.json); the dual-stack ones are those the ECS agent recognises
 * (amazon-ecs-agent, ecs-agent/utils/uri). First match wins: `aws` takes every region no other
 * prefix claims.
 */
interface PartitionDomains {
  readonly id: Partition;
  readonly prefix: RegExp;
  readonly domain: string;
  readonly dualStackDomain: string;
}
const AWS: PartitionDomains = { id: 'aws', prefix: /^/, domain: 'amazonaws.com', dualStackDomain: 'on.aws' };
const PARTITIONS: readonly PartitionDomains[] = [
  { id: 'aws-us-gov', prefix: /^us-gov-/, domain: 'amazonaws.com', dualStackDomain: 'on.aws' },
  { id: 'aws-iso', prefix: /^us-iso-/, domain: 'c2s.ic.gov', dualStackDomain: 'on.aws.ic.gov' },
  { id: 'aws-iso-b', prefix: /^us-isob-/, domain: 'sc2s.sgov.gov', dualStackDomain: 'on.aws.scloud' },
  { id: 'aws-iso-e', prefix: /^eu-isoe-/, domain: 'cloud.adc-e.uk', dualStackDomain: 'on.cloud-aws.adc-e.uk' },
  { id: 'aws-iso-f', prefix: /^us-isof-/, domain: 'csp.hci.ic.gov', dualStackDomain: 'on.aws.hci.ic.gov' },
  { id: 'aws-cn', prefix: /^cn-/, domain: 'amazonaws.com.cn', dualStackDomain: 'on.amazonwebservices.com.cn' },
  { id: 'aws-eusc', prefix: /^eusc-/, domain: 'amazonaws.eu', dualStackDomain: 'amazonwebservices.eu' },
  AWS,
];
const partitionEntry = (region: Region): PartitionDomains => PARTITIONS.find((p) => p.prefix.test(region)) ?? AWS;
const KNOWN_DOMAINS: ReadonlySet<string> = new Set(PARTITIONS.flatMap((p) => [p.domain, p.dualStackDomain]));

/** The partition a region belongs to (`us-gov-west-1` → `aws-us-gov`, `cn-north-1` → `aws-cn`, …). */
export const partitionOf = (region: Region): Partition => partitionEntry(region).id;

const invalid = (reason: string): InvalidImageReference => ({ kind: 'invalid', reason });

// Docker's rule: the first component is a registry host only if it looks like one.
const looksLikeHost = (component: string): boolean =>
  component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();

/**
 * Parses an image string as ECS reports it. Never throws: garbage gives `{ kind: 'invalid', reason }`.
 * A private ECR host is recognised in every partition (`ecr` with its region and partition); one shaped
 * like ECR that fits no partition is `ecr-unplaced` with a reason.
 * A reference with neither tag nor digest gets tag `latest`; with both, the digest is what is pulled.
 * `public.ecr.aws` is ECR Public, a different service: it is `other`, not a private registry.
 */
export const parseImageReference = (image: string): ImageReference => {
  if (typeof image !== 'string') return invalid('not a string');
  if (image.length === 0) return invalid('empty image reference');
  if (image.length > 4096) return invalid('image reference longer than 4096 characters');
  if (/\s/.test(image)) return invalid('image reference contains whitespace');

  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return invalid(`digest "${digest}" is not algorithm:hex`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  // A colon before the last slash belongs to a host port (`localhost:5000/x`), not a tag.
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) return invalid(`tag "${tag}" breaks the tag grammar [A-Za-z0-9_][A-Za-z0-9._-]{0,127}`);
  }
  if (rest.length === 0) return invalid('no repository name');

  const components = rest.split('/');
  const first = components[0] ?? '';
  const hasHost = components.length > 1 && looksLikeHost(first);
  const host = hasHost ? first : DOCKER_HUB;
  const path = hasHost ? components.slice(1) : components;
  if (hasHost && !HOST.test(host)) return invalid(`registry host "${host}" is not a host name`);
  const badComponent = path.find((c) => !PATH_COMPONENT.test(c));
  if (badComponent !== undefined)
    return invalid(`repository component "${badComponent}" must be lower-case letters and digits joined by . _ __ or -`);
  const repository = path.join('/');

  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;

  const lowerHost = host.toLowerCase();
  const ecr = ECR_HOST.exec(lowerHost);
  if (ecr) {
    const [, account = '', service = '', region = '', domain = ''] = ecr;
    const dualStack = service === 'dkr-ecr';
    if (!isRegion(region) && KNOWN_DOMAINS.has(domain)) return invalid(`"${region}" in ECR host "${host}" is not an AWS region`);
    if (!isRepositoryName(repository)) return invalid(`"${repository}" is not an ECR repository name`);
    // ECR stores sha256 digests only; another algorithm cannot name an ECR image.
    if (digest !== undefined && !isDigest(digest)) return invalid(`digest "${digest}" is not a lower-case sha256 digest`);
    const named = { host: lowerHost, registryId: account as AccountId, repository, tag, digest };
    // Shaped like ECR but not placeable: reported with the reason, never taken for another registry.
    const unplaced = (reason: string): UnplacedEcrImageReference => ({ kind: 'ecr-unplaced', ...named, reason });
    if (!isRegion(region)) return unplaced(`"${region}" is not an AWS region and "${domain}" is no partition's registry domain`);
    const partition = partitionEntry(region);
    const expected = dualStack ? partition.dualStackDomain : partition.domain;
    if (domain !== expected) {
      const what = KNOWN_DOMAINS.has(domain) ? `another kind of endpoint's or another partition's domain` : `no partition's registry domain`;
      return unplaced(`${region} is in partition ${partition.id}, whose ${dualStack ? 'dual-stack ' : ''}registries are under ${expected}; "${domain}" is ${what}`);
    }
    return { kind: 'ecr', ...named, region, partition: partition.id };
  }

  const registry = host === 'index.docker.io' ? DOCKER_HUB : host;
  // Docker Hub's official images live under `library/`: `nginx` is `docker.io/library/nginx`.
  const normalised = registry === DOCKER_HUB && path.length === 1 ? `library/${repository}` : repository;
  return { kind: 'other', registry, repository: normalised, tag, digest };
};
