/**
 * The audit log's public API (DESIGN.md, "Audit log format v1"). The gate opens a
 * writer, appends one entry per event, and closes it (which signs the checkpoint);
 * `airlock audit verify` and anyone else verify with `verifyAuditLog`.
 */
export type { AuditEntry } from './canonical-line.js';
export { type Checkpoint, parseCheckpoint } from './checkpoint.js';
export { generateAuditKeyPair, keyId, loadPublicKey, verifierKey } from './keys.js';
export type { RotationOptions } from './maintenance.js';
export {
  fetchBranchCheckpoint,
  type PublishOptions,
  type PublishResult,
  publishAuditLog,
  readRunEntries,
} from './publish.js';
export { assertLogAdoptable } from './trust.js';
export { layoutOf } from './segments.js';
export { type VerifyOptions, type VerifyResult, verifyAuditLog } from './verify.js';
export {
  type AppendResult,
  type AuditWriter,
  type CloseResult,
  type OpenAuditLogOptions,
  openAuditLog,
} from './writer.js';
