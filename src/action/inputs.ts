import * as core from '@actions/core';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import {
  type AuditSettings,
  auditLockTimeoutMs,
  defaultOrigin,
  type FailOn,
  type GateMode,
  insideWorkspace,
  parseFailOn,
  parseMode,
  readSigningKey,
} from '../settings/gate-settings.js';
import { type EngineKind, parseEngine } from '../sandbox/engine-select.js';

/**
 * Every Action input, read once (the only place that calls core.getInput), validated
 * and typed. Errors name the input and what was expected.
 */
export interface ActionInputs {
  paths: string[];
  policy: string | undefined;
  mode: GateMode;
  image: string | undefined;
  /** The container engine; undefined = the policy's, else auto-detected. */
  engine?: EngineKind;
  failOn: FailOn[] | undefined;
  uploadSarif: boolean;
  sarifCategory: string;
  /** Parsed; absent = the audit log is written with an unsigned checkpoint. */
  signingKey: KeyObject | undefined;
  auditLog: string;
  auditBranch: string | undefined;
  outputDir: string;
  token: string;
  allowPullRequestTarget: boolean;
  /** Fail the gate when a pull request changes the policy or the workflow that runs the gate. */
  failOnPolicyChange: boolean;
  /** Upload the output directory as a workflow artifact (src/action/artifact-stage.ts). */
  uploadArtifact: boolean;
  /** The artifact's name; undefined = one made from the run, attempt, job and category. */
  artifactName: string | undefined;
  /** Days GitHub keeps the artifact; undefined = the repository's setting. */
  artifactRetentionDays: number | undefined;
}

function bool(name: string): boolean {
  const v = core.getInput(name).trim().toLowerCase();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  throw new UserError('INPUT_INVALID', `input ${name}: expected true or false, got '${v}'`);
}

export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function readActionInputs(): Promise<ActionInputs> {
  const token = core.getInput('token');
  if (token) core.setSecret(token);
  const keyText = core.getInput('signing-key');
  // Mask each line: a PEM is multi-line and the runner masks line by line.
  for (const line of keyText.split('\n'))
    if (line.trim() && !line.startsWith('-----')) core.setSecret(line.trim());
  const category = core.getInput('sarif-category').trim() || 'airlock';
  if (!/^[A-Za-z0-9._/-]{1,100}$/.test(category)) {
    throw new UserError(
      'INPUT_INVALID',
      `input sarif-category: expected letters, digits, . _ / -, got '${category}'`,
    );
  }
  const failOnText = core.getInput('fail-on').trim();
  return {
    paths: splitList(core.getInput('paths') || '.'),
    policy: core.getInput('policy').trim() || undefined,
    mode: parseMode(core.getInput('mode').trim() || 'gate', 'input mode'),
    image: core.getInput('image').trim() || undefined,
    engine: parseEngine(core.getInput('engine').trim(), 'input engine'),
    failOn: failOnText ? parseFailOn(failOnText, 'input fail-on') : undefined,
    uploadSarif: core.getInput('upload-sarif') === '' ? true : bool('upload-sarif'),
    sarifCategory: category,
    signingKey: await readSigningKey({ pem: keyText }),
    auditLog: core.getInput('audit-log').trim() || '.airlock/audit/audit.log',
    auditBranch: core.getInput('audit-branch').trim() || undefined,
    outputDir: core.getInput('output-dir').trim() || '.airlock/out',
    token,
    allowPullRequestTarget: bool('allow-pull-request-target'),
    failOnPolicyChange: bool('fail-on-policy-change'),
    uploadArtifact: core.getInput('upload-artifact') === '' ? true : bool('upload-artifact'),
    artifactName: artifactNameInput(core.getInput('artifact-name').trim()),
    artifactRetentionDays: retentionDaysInput(core.getInput('artifact-retention-days').trim()),
  };
}

/**
 * The artifact service refuses names with `" : < > | * ? \ /` or line breaks (what
 * @actions/artifact checks before it asks); the name also ends up in the job summary.
 * So a plain set, checked here, before anything runs.
 */
export const ARTIFACT_NAME = /^[A-Za-z0-9._-]{1,200}$/;

function artifactNameInput(text: string): string | undefined {
  if (text === '') return undefined;
  if (!ARTIFACT_NAME.test(text)) {
    throw new UserError(
      'INPUT_INVALID',
      `input artifact-name: expected 1 to 200 letters, digits, . _ -, got '${text.slice(0, 240)}'`,
    );
  }
  return text;
}

function retentionDaysInput(text: string): number | undefined {
  if (text === '') return undefined;
  // GitHub keeps artifacts 1 to 90 days (400 on private repositories of some plans);
  // the service lowers a value above the repository's maximum with a warning.
  if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 400) {
    throw new UserError(
      'INPUT_INVALID',
      `input artifact-retention-days: expected a whole number of days from 1 to 400, or empty, got '${text.slice(0, 40)}'`,
    );
  }
  return Number(text);
}

/** Paths derived from the inputs, each refused if it leaves the workspace. */
export function resolveOutputs(
  workspace: string,
  env: NodeJS.ProcessEnv,
  i: ActionInputs,
): {
  outDir: string;
  reportFile: string;
  sarifFile: string;
  summaryFile: string;
  audit: AuditSettings | undefined;
  policy: string | undefined;
} {
  const outDir = insideWorkspace(workspace, i.outputDir, 'input output-dir');
  const shipped = i.policy === 'default' || i.policy === 'strict';
  return {
    outDir,
    reportFile: join(outDir, 'report.json'),
    sarifFile: join(outDir, 'airlock.sarif'),
    summaryFile: join(outDir, 'summary.md'),
    policy: i.policy && !shipped ? insideWorkspace(workspace, i.policy, 'input policy') : i.policy,
    // Every gate run is recorded; a signing key only adds the checkpoint's signature.
    audit:
      i.mode === 'gate'
        ? {
            log: insideWorkspace(workspace, i.auditLog, 'input audit-log'),
            origin: defaultOrigin(env, workspace),
            signingKey: i.signingKey,
            lockTimeoutMs: auditLockTimeoutMs(env),
          }
        : undefined,
  };
}
