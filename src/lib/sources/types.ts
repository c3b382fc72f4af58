/**
 * The seam for in-use sources: one module per consumer kind (ECS, scheduled tasks, Lambda, Batch,
 * task-definition families, Inspector), each behind this one shape. `collectInUse` (index.ts) runs
 * the enabled ones and owns the rule that a failed source makes the in-use set incomplete.
 */
import type { KeeperConfig } from '../config.js';
import type { Region } from '../domain/types.js';
import type { RegionAdapters } from '../aws/ports.js';
import type { ScopedFailure, WorkloadReference } from '../inuse.js';

/** What a source reads from: one region's adapters, the config and the sweep's clock. */
export interface SourceContext {
  readonly region: Region;
  readonly adapters: RegionAdapters;
  readonly config: KeeperConfig;
  readonly now: Date;
}

/**
 * Something a source could not read that does not make the in-use set incomplete, because the
 * source is a supplement to reads that did succeed (e.g. Inspector not enabled in the account).
 * Reported, never silently dropped.
 */
export interface SourceWarning {
  /** What was skipped, e.g. `inspector:us-east-1`. */
  readonly scope: string;
  readonly message: string;
  readonly cause?: unknown;
}

/** What one source found in one region; `failures` name what could not be read. */
export interface SourceResult {
  readonly references: readonly WorkloadReference[];
  readonly failures: readonly ScopedFailure[];
  /** Reads skipped without making the set incomplete (see `SourceWarning`); absent means none. */
  readonly warnings?: readonly SourceWarning[] | undefined;
}

/** One kind of consumer. A thrown error counts as a failure of the whole source in that region. */
export interface InUseSource {
  /** Short name used in failure scopes and reports, e.g. `lambda`. */
  readonly name: string;
  /** True when the config turns the source on. */
  readonly enabled: (config: KeeperConfig) => boolean;
  readonly collect: (context: SourceContext) => Promise<SourceResult>;
}
