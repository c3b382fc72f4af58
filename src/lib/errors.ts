/**
 * Error hierarchy. Every error keeps its `cause` (never stringified) and says what failed
 * and which input it concerns, so a log line is enough to act on.
 */

/** Base class: `name` is set to the subclass name, `cause` is passed through. */
export class KeeperError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad configuration (file or `KEEPER_*` environment); `field` names the offending key path. */
export class ConfigError extends KeeperError {
  readonly field: string | undefined;
  constructor(message: string, options?: ErrorOptions & { field?: string }) {
    super(message, options);
    this.field = options?.field;
  }
}

/** An event, CLI argument or input file that does not have the expected shape. */
export class InputError extends KeeperError {
  readonly field: string | undefined;
  constructor(message: string, options?: ErrorOptions & { field?: string }) {
    super(message, options);
    this.field = options?.field;
  }
}

/** A lifecycle policy that breaks ECR's grammar; `issues` lists every problem with its path. */
export class PolicyValidationError extends KeeperError {
  readonly issues: readonly { readonly path: string; readonly message: string }[];
  constructor(issues: readonly { readonly path: string; readonly message: string }[], options?: ErrorOptions) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; ') || 'invalid lifecycle policy', options);
    this.issues = issues;
  }
}

/** A call to AWS failed after the SDK's retries; `action` is the IAM action, e.g. `ecr:PutImage`. */
export class AwsCallError extends KeeperError {
  readonly action: string;
  readonly repository: string | undefined;
  /** The AWS error name (`AccessDeniedException`, `ThrottlingException`, …) when known. */
  readonly awsCode: string | undefined;
  constructor(message: string, options: ErrorOptions & { action: string; repository?: string; awsCode?: string }) {
    super(message, options);
    this.action = options.action;
    this.repository = options.repository;
    this.awsCode = options.awsCode;
  }
}

/** A write was attempted through a port opened read-only (audit, dry run). */
export class ReadOnlyViolationError extends KeeperError {}
