/**
 * The ECR reads of one sweep, made once and shared (issue 8: the fewest calls the data allows).
 *
 * `sweepEcr` wraps a region's `EcrPort` for the length of one sweep:
 * - repository tags come from one bulk read (`tag:GetResources`, 100 repositories a page) instead of
 *   one `ListTagsForResource` each; when that read fails, every repository is asked on its own and a
 *   warning says so (a tag that could not be read never passes for "no exclusion tag");
 * - every repository the inventory lists (`listRepositories`) is read ahead (tags, then listing and
 *   policy) under bounded concurrency while the consumers are read, within a budget of images held,
 *   so the ECR and ECS quotas are used at once rather than one after the other;
 * - a tag a workload names is resolved from that listing (`resolveTags`), not with `DescribeImages`
 *   by id; only repositories the sweep does not list (excluded, out of scope) are looked up by id.
 *
 * A listing read ahead is handed out once (`listImages`), then forgotten: the re-checked pass before
 * releases reads the repository afresh, as before.
 */
import pLimit from 'p-limit';
import { packListing, type PackedListing } from './domain/packed-listing.js';
import type { Repository, RepositoryName } from './domain/types.js';
import type { EcrPort, StoredPolicy, Tags, TaggingPort } from './aws/ports.js';
import type { Log } from './observability.js';

/** Something the sweep did differently from the plan and reports, without it being a failure. */
export interface SweepWarning {
  readonly scope: string;
  readonly message: string;
}

/** One repository's state as read ahead; each part is handed out once. */
interface ReadAhead {
  /** Packed while it waits: a fifth of the heap of the records (domain/packed-listing.ts). */
  images?: Promise<PackedListing> | undefined;
  policy?: Promise<StoredPolicy | undefined> | undefined;
  /** Images held, counted against the budget until the listing is handed out. */
  held: number;
}

export interface SweepEcrOptions {
  /** Repository tags in bulk; absent, or `bulkTags: false`, reads them one repository at a time. */
  readonly tagging?: TaggingPort | undefined;
  /** False for a sweep of a few named repositories: one call each is cheaper than a region's bulk read. */
  readonly bulkTags: boolean;
  /** True when the sweep leaves the repository alone (by name or tag): nothing else is read there. */
  readonly isExcluded: (repository: Repository, tags: Tags) => boolean;
  /** Repositories read ahead at once. */
  readonly concurrency: number;
  /** Images read ahead and not yet handed out, at most (the memory bound); one repository may exceed it. */
  readonly budgetImages: number;
  readonly log: Log;
  /** Receives the warning when the bulk tag read fails. */
  readonly warn: (warning: SweepWarning) => void;
}

/** Wraps `ecr` for one sweep (see the module comment). */
export const sweepEcr = (ecr: EcrPort, options: SweepEcrOptions): EcrPort => {
  const { log } = options;
  let bulk: Promise<ReadonlyMap<string, Tags> | undefined> | undefined;
  const bulkTags = (): Promise<ReadonlyMap<string, Tags> | undefined> => {
    const tagging = options.tagging;
    if (!options.bulkTags || tagging === undefined) return Promise.resolve(undefined);
    bulk ??= tagging.repositoryTags().catch((error: unknown) => {
      const message = `tag:GetResources failed, so repository tags are read one repository at a time (ecr:ListTagsForResource): ${error instanceof Error ? error.message : String(error)}`;
      log.warn('repository tags in bulk unavailable', { region: ecr.region, error });
      options.warn({ scope: `tagging:${ecr.region}`, message });
      return undefined;
    });
    return bulk;
  };
  const tagsByArn = new Map<string, Promise<Tags>>();
  const tagsOf = (arn: string): Promise<Tags> => {
    let tags = tagsByArn.get(arn);
    if (tags === undefined) {
      // Absent from the bulk answer means untagged (GetResources lists tagged resources only).
      tags = bulkTags().then((map) => (map === undefined ? ecr.repositoryTags(arn) : (map.get(arn) ?? {})));
      tagsByArn.set(arn, tags);
    }
    return tags;
  };

  const repositories = new Map<RepositoryName, Repository>();
  const ahead = new Map<RepositoryName, ReadAhead>();
  const excluded = new Set<RepositoryName>();
  // Repositories whose listing the sweep has taken (read ahead or not): never read ahead again.
  const taken = new Set<RepositoryName>();
  const limit = pLimit(Math.max(1, options.concurrency));
  let held = 0;
  let queue: Repository[] = [];

  /** Reads one repository's listing and policy into `ahead` (unless excluded). */
  const readOne = async (repository: Repository, again = false): Promise<void> => {
    if (taken.has(repository.name) && !again) return;
    const tags = await tagsOf(repository.arn).catch(() => undefined);
    // Planning may have taken the repository while its tags were awaited: it reads the listing itself.
    if (taken.has(repository.name) && !again) return;
    // Tags unreadable: leave the repository to the sweep's own read, which reports the failure.
    if (tags === undefined) return;
    if (options.isExcluded(repository, tags)) {
      excluded.add(repository.name);
      return;
    }
    if (ahead.has(repository.name)) return;
    const entry: ReadAhead = { held: 0 };
    ahead.set(repository.name, entry);
    entry.policy = ecr.getLifecyclePolicy(repository.name);
    entry.images = ecr.listImages(repository.name).then((images) => {
      const packed = packListing(images);
      if (ahead.get(repository.name) === entry && entry.images !== undefined) {
        entry.held = packed.length;
        held += packed.length;
      }
      return packed;
    });
    // Failures reach whoever takes the part; until then they must not count as unhandled.
    entry.policy.catch(() => undefined);
    entry.images.catch(() => undefined);
    await Promise.allSettled([entry.policy, entry.images]);
  };

  const pump = (): void => {
    while (queue.length > 0 && held < options.budgetImages && limit.pendingCount === 0 && limit.activeCount < limit.concurrency) {
      const next = queue.shift() as Repository;
      void limit(() => readOne(next)).then(pump, pump);
    }
  };

  const release = (entry: ReadAhead): void => {
    held -= entry.held;
    entry.held = 0;
    pump();
  };

  // Delegates by name: a port may be a class instance whose methods a spread would not copy.
  return {
    region: ecr.region,
    getManifests: (repository, digests) => ecr.getManifests(repository, digests),
    putLifecyclePolicy: (repository, text) => ecr.putLifecyclePolicy(repository, text),
    putImageTag: (repository, manifest, tag) => ecr.putImageTag(repository, manifest, tag),
    removeImageTag: (repository, tag) => ecr.removeImageTag(repository, tag),
    // Listing the region is where the sweep learns its repositories: reading ahead starts there.
    async *listRepositories() {
      for await (const repository of ecr.listRepositories()) {
        repositories.set(repository.name, repository);
        queue.push(repository);
        pump();
        yield repository;
      }
    },
    async describeRepository(name) {
      const repository = await ecr.describeRepository(name);
      if (repository !== undefined) repositories.set(repository.name, repository);
      return repository;
    },
    repositoryTags: (arn) => tagsOf(arn),
    listImages(repository) {
      taken.add(repository);
      const entry = ahead.get(repository);
      const images = entry?.images;
      if (entry === undefined || images === undefined) return ecr.listImages(repository);
      entry.images = undefined;
      if (entry.policy === undefined) ahead.delete(repository);
      return images.then((packed) => packed.unpack()).finally(() => release(entry));
    },
    getLifecyclePolicy(repository) {
      const entry = ahead.get(repository);
      const policy = entry?.policy;
      if (entry === undefined || policy === undefined) return ecr.getLifecyclePolicy(repository);
      entry.policy = undefined;
      if (entry.images === undefined) ahead.delete(repository);
      return policy;
    },
    async resolveTags(repository, tags) {
      const known = repositories.get(repository);
      // Not in scope, or left alone: its listing is never read, so look the tags up by id.
      if (known === undefined || excluded.has(repository)) return ecr.resolveTags(repository, tags);
      const own = await tagsOf(known.arn).catch(() => undefined);
      if (own === undefined || options.isExcluded(known, own)) return ecr.resolveTags(repository, tags);
      // Read now if the read-ahead has not reached it (discovery waits for nothing else here).
      if (!ahead.has(repository) || ahead.get(repository)?.images === undefined) {
        queue = queue.filter((r) => r.name !== repository);
        ahead.delete(repository);
        await readOne(known, true);
      }
      const images = ahead.get(repository)?.images;
      if (images === undefined) return ecr.resolveTags(repository, tags);
      return (await images).tagsIn(new Set(tags));
    },
  };
};
