/**
 * The plan for one repository: what ecr-keeper would write (protection tags, releases, the lifecycle
 * policy), why, and what the current and target policies would expire. Plain data: the sweep
 * applies it, the audit prints it.
 */
import type { Digest, Repository, UseSource } from '../domain/types.js';
import type { Rule } from '../policy/types.js';
import type { AtRiskImage } from './gate.js';
import type { ApplyStep } from './apply-order.js';
import type { DroppedRule, OverriddenRule } from './target-policy.js';

export type { AtRiskImage } from './gate.js';
export type { ApplyStep } from './apply-order.js';
export type { DroppedRule, OverriddenRule } from './target-policy.js';

/**
 * `apply`: something to write; `unchanged`: nothing to write; `blocked`: the policy (and releases)
 * must not be written, see `reasons` (protection tags may still be listed: adding them was checked
 * not to endanger any in-use image under the policy that stays in force); `excluded`: left alone.
 */
export type PlanStatus = 'apply' | 'unchanged' | 'blocked' | 'excluded';

/** A protection tag (or the home tag that goes with it) to add to an image. */
export interface TagToAdd {
  readonly digest: Digest;
  readonly tag: string;
  readonly role: 'protection' | 'home';
  readonly environment: string;
  readonly uses: readonly UseSource[];
}

/** A protection tag to remove from an image out of use for longer than the grace period. */
export interface TagToRelease {
  readonly digest: Digest;
  readonly tag: string;
  readonly environment: string;
  readonly reason: string;
}

/** A protection tag the plan could have released but keeps, and why (e.g. it is the image's only tag). */
export interface ProtectionKept {
  readonly digest: Digest;
  readonly tag: string;
  readonly reason: string;
}

/** The lifecycle policy part of the plan. */
export interface PolicyPlan {
  /** `none` also when the plan is blocked: nothing is written then. */
  readonly change: 'create' | 'update' | 'none';
  /** The exact text to write (set when `change` is not `none`). */
  readonly text?: string | undefined;
  /** The target text, even when blocked or unchanged, for reports. */
  readonly targetText?: string | undefined;
  readonly currentText?: string | undefined;
  readonly keptOwnRules: readonly Rule[];
  readonly droppedOwnRules: readonly DroppedRule[];
  /** Baseline rules left out because the repository's own rule takes their place (merge mode). */
  readonly overriddenBaseline: readonly OverriddenRule[];
}

/** Result of the safety gate on the target policy and the projected images. */
export interface PlanGate {
  /** False when the gate could not run (no readable target policy, excluded repository). */
  readonly checked: boolean;
  readonly safe: boolean;
  readonly atRisk: readonly AtRiskImage[];
}

/** One image a policy would expire or archive. */
export interface AffectedImage {
  readonly digest: Digest;
  readonly tags: readonly string[];
  readonly action: 'expire' | 'transition';
  readonly rulePriority: number;
  readonly ruleDescription?: string | undefined;
  readonly reason: string;
  readonly sizeBytes?: number | undefined;
  /** ISO time the image was pushed. */
  readonly pushedAt: string;
  /** ISO time of its latest push, restore or recorded pull (Inspector rescans only recently used images). */
  readonly lastSeenAt: string;
  readonly inUse: boolean;
}

/** How many images (and bytes) one rule acts on. */
export interface RuleTotal {
  readonly rulePriority: number;
  readonly description?: string | undefined;
  readonly action: 'expire' | 'transition';
  readonly images: number;
  readonly bytes: number;
}

/** What one policy would do to the repository, for reports. */
export interface SimulationSummary {
  readonly affected: readonly AffectedImage[];
  /** Entries left out of `affected` by the sweep report's per-repository cap (the counts below stay exact). */
  readonly affectedTruncated?: number | undefined;
  readonly byRule: readonly RuleTotal[];
  readonly expiringImages: number;
  readonly transitioningImages: number;
  readonly expiringBytes: number;
  readonly transitioningBytes: number;
  /** In-use images this policy would expire or archive. */
  readonly inUseAtRisk: readonly AtRiskImage[];
}

/** The plan for one repository (see `planRepository`). */
export interface RepositoryPlan {
  readonly repository: Repository;
  readonly status: PlanStatus;
  readonly reasons: readonly string[];
  /**
   * The writes in the order the sweep makes them, proven safe after every step (`orderSteps`).
   * Releases (`remove-tag`) come last; the sweep runs them only after re-checking use.
   */
  readonly steps: readonly ApplyStep[];
  readonly tagsToAdd: readonly TagToAdd[];
  readonly tagsToRelease: readonly TagToRelease[];
  readonly protectionKept: readonly ProtectionKept[];
  readonly policy: PolicyPlan;
  readonly gate: PlanGate;
  /** The current policy on the images as they are now; absent without a readable current policy. */
  readonly current?: SimulationSummary | undefined;
  /** The target policy on the projected images; absent when no valid target could be built. */
  readonly target?: SimulationSummary | undefined;
  /** In-use digests of this repository that its listing does not hold. */
  readonly notFound: readonly Digest[];
  /** Images the policy change would newly expire or archive (kept by the current policy, or no policy yet). */
  readonly newlyExpiring: readonly AffectedImage[];
  /** Entries left out of `newlyExpiring` by the sweep report's per-repository cap. */
  readonly newlyExpiringTruncated?: number | undefined;
  /** In-use images of this repository by the source that saw them (an image may count under several). */
  readonly inUseBySource: Readonly<Record<string, number>>;
  /** Images the listing held, and how many of them are in use (pull guard and referrers included), each counted once. */
  readonly imageCounts: { readonly listed: number; readonly inUse: number };
}
