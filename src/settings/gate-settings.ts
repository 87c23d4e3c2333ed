import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadPrivateKey } from '../audit/keys.js';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { ImageChoice } from '../gate/image-stage.js';
import { FAIL_ON_OUTCOMES, type FailOnOutcome } from '../policy/defaults.js';
import type { EngineKind } from '../sandbox/engine-select.js';

/**
 * Everything a gate/scan run needs, read once from CLI flags or Action inputs and
 * validated here. Nothing downstream reads flags, inputs or the environment.
 */
export type GateMode = 'scan' | 'gate';
export type ExecuteScripts = 'all' | 'changed';
export type FailOn = FailOnOutcome;
export const FAIL_ON_VALUES: readonly FailOn[] = FAIL_ON_OUTCOMES;

export interface AuditSettings {
  /** Absolute path of the log file F; its checkpoint `F.checkpoint` is written beside it. */
  log: string;
  /** The log's origin line, e.g. github.com/OWNER/REPO/airlock-audit. */
  origin: string;
  /**
   * The parsed Ed25519 signing key (from a secret; never logged or written anywhere).
   * Absent: the log is written and hash-chained, its checkpoint unsigned.
   */
  signingKey?: KeyObject;
  /** How long one append waits for another run's append to the same log (AIRLOCK_AUDIT_LOCK_TIMEOUT). */
  lockTimeoutMs?: number;
}

export interface GateSettings {
  workspace: string;
  paths: string[];
  mode: GateMode;
  /** Policy file path (absolute) or a shipped policy name; undefined = shipped default. */
  policy?: string;
  imageRef?: string;
  /**
   * The Action's image choice (its `image` input): published digest, build, or a ref.
   * When set it decides instead of imageRef/the policy's ref (see gate/image-stage.ts).
   */
  imageChoice?: ImageChoice;
  runtime?: 'runc' | 'runsc';
  /** The container engine; undefined = the policy's, else auto-detected. */
  engine?: EngineKind;
  failOn?: FailOn[];
  outDir: string;
  reportFile: string;
  sarifFile: string;
  summaryFile?: string;
  sarifCategory: string;
  audit?: AuditSettings;
  /**
   * Set when the policy file was read from a trusted revision rather than the
   * checkout (pull requests: the base commit): the commit and the file's
   * repository path, recorded in the report and the audit log.
   */
  policyRevision?: { commit: string; path: string };
  /** Reasons found before the gate ran that fail it (e.g. fail-on-policy-change). */
  preVerdictReasons?: string[];
  /**
   * Which scripts run when their scan was reused (CLI --execute): beats the policy's
   * `execute.scripts`, which beats the event's default (src/cache/execute-scope.ts).
   */
  executeScripts?: ExecuteScripts;
  /** Pull-request mode: gate only Python files changed in base...head. */
  changedBetween?: { base: string; head: string };
  /** Run metadata recorded in the audit log's run-start entry. */
  run: { repository?: string; commit?: string; workflowRun?: string; actor?: string; event?: string };
}

/**
 * Resolves a user-given path against the workspace and refuses one that leaves it:
 * report and SARIF paths come from workflow inputs, and writing them outside the
 * workspace (`../../home/runner/.bashrc`) would let a policy or input author plant files.
 */
export function insideWorkspace(workspace: string, p: string, what: string): string {
  const abs = resolve(workspace, p);
  const rel = relative(workspace, abs);
  if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
    throw new UserError('PATH_OUTSIDE_WORKSPACE', `${what} '${p}' is outside the workspace ${workspace}`);
  }
  return abs;
}

export function parseFailOn(text: string, where: string): FailOn[] {
  const items = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items) {
    if (!FAIL_ON_VALUES.includes(i as FailOn)) {
      throw new UserError(
        'INPUT_INVALID',
        `${where}: unknown outcome '${i}'; expected one of ${FAIL_ON_VALUES.join(', ')}`,
      );
    }
  }
  return items as FailOn[];
}

export function parseMode(text: string, where: string): GateMode {
  if (text !== 'scan' && text !== 'gate') {
    throw new UserError('INPUT_INVALID', `${where}: expected 'scan' or 'gate', got '${text}'`);
  }
  return text;
}

export function parseRuntime(text: string | undefined, where: string): 'runc' | 'runsc' | undefined {
  if (text === undefined || text === '') return undefined;
  if (text !== 'runc' && text !== 'runsc') {
    throw new UserError('INPUT_INVALID', `${where}: expected 'runc' or 'runsc', got '${text}'`);
  }
  return text;
}

/**
 * The signing key from a file or a secret's text, parsed: a key that is not an Ed25519
 * PEM private key is the user's error (KEY_INVALID, exit 2) here, before anything runs,
 * not an internal error when the checkpoint is signed.
 */
export async function readSigningKey(opts: { file?: string; pem?: string }): Promise<KeyObject | undefined> {
  let pem = opts.pem?.trim() ? opts.pem : undefined;
  if (!pem && opts.file) {
    try {
      pem = await readFile(opts.file, 'utf8');
    } catch (e) {
      throw new UserError('KEY_INVALID', `cannot read signing key ${opts.file}: ${(e as Error).message}`);
    }
  }
  if (pem === undefined) return undefined;
  if (!/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
    // Deliberately not echoing any of the content: it is a secret.
    throw new UserError(
      'KEY_INVALID',
      'the signing key is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----")',
    );
  }
  return loadPrivateKey(pem);
}

/**
 * AIRLOCK_AUDIT_LOCK_TIMEOUT: seconds an append waits for another run's append to the
 * same log before AUDIT_LOCKED (default 60, src/audit/lock.ts). Holds last milliseconds,
 * so only a stuck writer makes anyone wait; parallel gates on one log raise it, if ever.
 */
export function auditLockTimeoutMs(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.AIRLOCK_AUDIT_LOCK_TIMEOUT?.trim();
  if (!text) return undefined;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || seconds <= 0 || seconds > 3600) {
    throw new UserError(
      'INPUT_INVALID',
      `AIRLOCK_AUDIT_LOCK_TIMEOUT must be a number of seconds between 0 and 3600, got '${text.slice(0, 40)}'`,
    );
  }
  return Math.round(seconds * 1000);
}

/** The audit log's origin: stable per repository so a log cannot be passed off as another's. */
export function defaultOrigin(env: NodeJS.ProcessEnv, workspace: string): string {
  if (env.AIRLOCK_AUDIT_ORIGIN) return env.AIRLOCK_AUDIT_ORIGIN;
  const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/^https?:\/\//, '');
  if (env.GITHUB_REPOSITORY) return `${server}/${env.GITHUB_REPOSITORY}/airlock-audit`;
  return `localhost/${basename(workspace).replace(/[^A-Za-z0-9._-]/g, '_') || 'workspace'}/airlock-audit`;
}
