/**
 * Typed client of the emulator's control server (test/emulator/moto_server.py) and of moto's
 * own /moto-api. Takes the URLs as parameters so the README demo can use it without vitest.
 */
import type { Digest } from '../../src/lib/domain/types.js';

/** moto's ECS task model drifts RUNNING → STOPPED on describe; manual progression that never fires keeps it. */
export const TASK_TRANSITION = { progression: 'manual', times: 1_000_000_000 } as const;

const post = async (url: string, body: unknown): Promise<unknown> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`emulator control ${url} answered ${response.status}: ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
};

/** Time fields ECR stamps itself; moto stamps "now", so tests set them here. */
export interface ImageTimes {
  /** The registry account (default: the emulator's own). */
  readonly accountId?: string | undefined;
  readonly region?: string;
  readonly repositoryName: string;
  readonly imageDigest: Digest | string;
  readonly imagePushedAt?: Date;
  /** `null` clears it (never pulled). */
  readonly lastRecordedPullTime?: Date | null;
  readonly lastArchivedAt?: Date | null;
  readonly lastActivatedAt?: Date | null;
  readonly imageStatus?: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';
}

const iso = (value: Date | null | undefined): string | null | undefined =>
  value instanceof Date ? value.toISOString() : value;

/** Sets push/pull/archive times and storage status of one ECR image. */
export const setImageTimes = async (control: string, times: ImageTimes): Promise<void> => {
  const body: Record<string, unknown> = {
    ...(times.accountId === undefined ? {} : { accountId: times.accountId }),
    region: times.region ?? 'us-east-1',
    repositoryName: times.repositoryName,
    imageDigest: times.imageDigest,
  };
  for (const key of ['imagePushedAt', 'lastRecordedPullTime', 'lastArchivedAt', 'lastActivatedAt'] as const) {
    if (key in times) body[key] = iso(times[key]);
  }
  if (times.imageStatus !== undefined) body['imageStatus'] = times.imageStatus;
  await post(`${control}/ecr/image-times`, body);
};

/** Identifies one container of one task. */
export interface TaskDigest {
  readonly region?: string;
  readonly cluster: string;
  readonly taskArn: string;
  readonly containerName: string;
  /** `null` removes the digest, as for a task still pulling its image. */
  readonly imageDigest: Digest | string | null;
}

/** Overrides the `imageDigest` DescribeTasks reports for one container. */
export const setTaskDigest = async (control: string, input: TaskDigest): Promise<void> => {
  await post(`${control}/ecs/task-digest`, { region: 'us-east-1', ...input });
};

/** Sets a task's `lastStatus` (e.g. `PENDING`); StopTask is the way to stop one. */
export const setTaskStatus = async (
  control: string,
  input: { readonly region?: string; readonly cluster: string; readonly taskArn: string; readonly lastStatus: string },
): Promise<void> => {
  await post(`${control}/ecs/task-status`, { region: 'us-east-1', ...input });
};

/** One Inspector finding on an ECR image; the control server shapes it like a real one. */
export interface FindingSeed {
  readonly repositoryName: string;
  readonly imageDigest: Digest | string;
  readonly severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNTRIAGED';
  readonly title?: string;
  readonly status?: 'ACTIVE' | 'SUPPRESSED' | 'CLOSED';
  readonly vulnerabilityId?: string;
}

/** Adds findings to Inspector2 (ListFindings then filters them); returns their ARNs. */
export const seedFindings = async (
  control: string,
  findings: readonly FindingSeed[],
  region = 'us-east-1',
  accountId?: string,
): Promise<readonly string[]> => {
  const result = (await post(`${control}/inspector2/findings`, { region, findings, ...(accountId === undefined ? {} : { accountId }) })) as { findingArns: string[] };
  return result.findingArns;
};

/** One ECR image in Inspector's coverage, with its in-use data (ListCoverage then filters them). */
export interface CoverageSeed {
  readonly repositoryName: string;
  readonly imageDigest: Digest | string;
  /** When ECS or EKS last ran it; absent: never seen in use. */
  readonly lastInUseAt?: Date;
  readonly inUseCount?: number;
  readonly imagePulledAt?: Date;
  /** `scanStatus` (default ACTIVE / SUCCESSFUL). */
  readonly scanStatus?: { readonly statusCode: 'ACTIVE' | 'INACTIVE'; readonly reason: string };
  /** `lastScannedAt` (default: the moment of seeding); `null` leaves it out (never scanned). */
  readonly lastScannedAt?: Date | null;
}

/** Adds ECR images to Inspector2's coverage (moto has no ListCoverage; the emulator adds it); returns their resource ids. */
export const seedCoverage = async (
  control: string,
  images: readonly CoverageSeed[],
  region = 'us-east-1',
  accountId?: string,
): Promise<readonly string[]> => {
  const body = images.map((image) => ({
    repositoryName: image.repositoryName,
    imageDigest: image.imageDigest,
    lastInUseAt: iso(image.lastInUseAt),
    imagePulledAt: iso(image.imagePulledAt),
    inUseCount: image.inUseCount,
    scanStatus: image.scanStatus,
    lastScannedAt: image.lastScannedAt === null ? null : iso(image.lastScannedAt),
  }));
  const result = (await post(`${control}/inspector2/coverage`, { region, images: body, ...(accountId === undefined ? {} : { accountId }) })) as { resourceIds: string[] };
  return result.resourceIds;
};

/** Starts a moto EC2 instance and registers it as a container instance, so EC2 tasks can be placed. */
export const addContainerInstance = async (control: string, cluster: string, region = 'us-east-1'): Promise<string> => {
  const result = (await post(`${control}/ecs/container-instance`, { region, cluster })) as {
    containerInstanceArn: string;
  };
  return result.containerInstanceArn;
};

/**
 * Makes a service look deployed before 25 October 2024: the emulator forgets its revisions and
 * deployments, so DescribeServices reports no `currentServiceRevisions` and only its `taskDefinition`
 * says what it runs. Returns the revision and deployment ARNs forgotten.
 */
export const forgetServiceRevisions = async (
  control: string,
  input: { readonly region?: string; readonly cluster: string; readonly service: string },
): Promise<{ readonly revisions: readonly string[]; readonly deployments: readonly string[] }> =>
  (await post(`${control}/ecs/legacy-service`, { region: 'us-east-1', ...input })) as { revisions: string[]; deployments: string[] };

/** Default VPC subnets and security group: awsvpc (Fargate) tasks and services need them. */
export const defaultNetwork = async (
  control: string,
  region = 'us-east-1',
): Promise<{ readonly subnets: readonly string[]; readonly securityGroups: readonly string[] }> =>
  (await post(`${control}/ec2/default-network`, { region })) as { subnets: string[]; securityGroups: string[] };

/** Keeps ECS tasks RUNNING however often they are described (moto's state manager). */
export const applyTaskTransition = async (endpoint: string): Promise<void> => {
  await post(`${endpoint}/moto-api/state-manager/set-transition`, {
    model_name: 'ecs::task',
    transition: TASK_TRANSITION,
  });
};

/** Empties every moto backend, then re-applies the task transition. */
export const resetEmulator = async (endpoint: string): Promise<void> => {
  await post(`${endpoint}/moto-api/reset`, {});
  await applyTaskTransition(endpoint);
};
