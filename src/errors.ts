/**
 * Airlock's two kinds of failure, kept apart so the exit status tells the caller
 * which one happened (DESIGN.md, CLI contract):
 *
 * - `UserError` (exit 2): the user's configuration or environment is wrong: a bad
 *   policy, an unreadable path, no Docker. The message says what to fix.
 * - `GateVerdict` (exit 1): the gate ran and said no. Not an exception in the
 *   usual sense; commands return it.
 *
 * Anything else thrown is a bug and is shown with its stack.
 *
 * Every error carries a typed code; tests assert on the code, never the message.
 */
export type ErrorCode =
  // configuration and environment (exit 2)
  | 'USAGE'
  | 'POLICY_INVALID'
  | 'POLICY_NOT_FOUND'
  | 'PATH_INVALID'
  | 'PATH_OUTSIDE_WORKSPACE'
  | 'DISCOVERY_LIMIT'
  | 'DOCKER_UNAVAILABLE'
  | 'ENGINE_UNAVAILABLE'
  | 'ENGINE_LIMITS_UNENFORCED'
  | 'ENGINE_RUNTIME_UNSUPPORTED'
  | 'IMAGE_MISSING'
  | 'IMAGE_BUILD_FAILED'
  | 'SCANNER_UNAVAILABLE'
  | 'SCANNER_FAILED'
  | 'SANDBOX_FAILED'
  | 'KEY_INVALID'
  | 'GIT_FAILED'
  | 'INPUT_INVALID'
  | 'UNSAFE_TRIGGER'
  | 'BASE_COMMIT_MISSING'
  | 'NOTHING_TO_GATE'
  | 'EGRESS_UNAVAILABLE'
  // sharding (src/scale): a plan file that is not one, a script changed since the plan
  | 'PLAN_INVALID'
  | 'PLAN_MISMATCH'
  | 'INSTALL_REQUIREMENTS_INVALID'
  // the host ran out of something Airlock writes with (src/host-error.ts)
  | 'HOST_DISK_FULL'
  | 'HOST_TOO_MANY_FILES'
  | 'HOST_READ_ONLY'
  | 'OUTPUT_DIR_BUSY'
  // audit log verification (exit 1 from `audit verify`)
  | 'AUDIT_IO'
  | 'AUDIT_LINE_MALFORMED'
  | 'AUDIT_LINE_NONCANONICAL'
  | 'AUDIT_SEQ_MISMATCH'
  | 'AUDIT_CHAIN_BROKEN'
  | 'AUDIT_CHECKPOINT_MALFORMED'
  | 'AUDIT_SIGNATURE_INVALID'
  | 'AUDIT_UNKNOWN_SIGNER'
  | 'AUDIT_ROOT_MISMATCH'
  | 'AUDIT_TRUNCATED'
  | 'AUDIT_INCONSISTENT'
  | 'AUDIT_ORIGIN_MISMATCH'
  | 'AUDIT_LOCKED'
  | 'AUDIT_PUBLISH_FAILED'
  | 'AUDIT_UNSIGNED_TAIL'
  | 'AUDIT_CHECKPOINT_UNSIGNED'
  | 'AUDIT_KEY_REQUIRED'
  | 'AUDIT_CHECKPOINT_MISSING'
  | 'AUDIT_SEGMENT_INVALID'
  | 'AUDIT_PRUNED'
  | 'AUDIT_LOG_UNTRUSTED'
  // `airlock merge` refusing shard outputs (exit 1; docs/scale-sharding.md)
  | 'SHARD_MISSING'
  | 'SHARD_DUPLICATE'
  | 'SHARD_MISMATCH'
  | 'SHARD_TAMPERED'
  | 'AUDIT_REUSE_INVALID';

export class AirlockError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The user's mistake or a missing piece of environment: exit 2, one-line cause. */
export class UserError extends AirlockError {}

/** A verification failure of an audit log: exit 1, names the entry (seq) when known. */
export class VerificationError extends AirlockError {
  readonly seq: number | undefined;
  constructor(code: ErrorCode, message: string, seq?: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.seq = seq;
  }
}

export function isAirlockError(e: unknown): e is AirlockError {
  return e instanceof AirlockError;
}
