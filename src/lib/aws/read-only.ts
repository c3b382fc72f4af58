/**
 * A read-only view of the ECR port for audit and dry run: reads delegate, writes throw.
 * A stray write in those paths fails loudly instead of changing a registry.
 */
import { ReadOnlyViolationError } from '../errors.js';
import type { ECR_WRITE_METHODS, EcrPort } from './ports.js';

// Rejects rather than throws synchronously, so `.catch()` and `await` callers both see it.
const refuse = (method: (typeof ECR_WRITE_METHODS)[number]) => (): Promise<never> =>
  Promise.reject(new ReadOnlyViolationError(`ecr.${method} called through a read-only port (audit / dry run)`));

/** Wraps `port` so that every method in `ECR_WRITE_METHODS` throws `ReadOnlyViolationError` naming it. */
export const readOnlyEcr = (port: EcrPort): EcrPort => ({
  region: port.region,
  listRepositories: () => port.listRepositories(),
  describeRepository: (name) => port.describeRepository(name),
  listImages: (repository) => port.listImages(repository),
  repositoryTags: (arn) => port.repositoryTags(arn),
  getLifecyclePolicy: (repository) => port.getLifecyclePolicy(repository),
  resolveTags: (repository, tags) => port.resolveTags(repository, tags),
  getManifests: (repository, digests) => port.getManifests(repository, digests),
  putLifecyclePolicy: refuse('putLifecyclePolicy'),
  putImageTag: refuse('putImageTag'),
  removeImageTag: refuse('removeImageTag'),
});
