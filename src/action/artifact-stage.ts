import { DefaultArtifactClient, GHESNotSupportedError } from '@actions/artifact';
import * as core from '@actions/core';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { RUN_MARKER } from '../gate/output-dir.js';
import type { GitHubContext } from '../github/context.js';
import type { ArtifactNote } from '../report/summary.js';
import type { ActionInputs } from './inputs.js';

/**
 * The output directory (reports, SARIF, summary, every script's artifacts) uploaded as
 * one workflow artifact with the maintained client (@actions/artifact), so a reviewer
 * can download what the scripts produced after the runner is gone.
 *
 * Reporting, not gating: whatever happens here (no results service, GitHub Enterprise
 * Server, a 403, a name taken by another step) ends as a warning and a summary line;
 * it never throws and never changes the gate's verdict, which is about the scripts.
 *
 * What is uploaded: the regular files under the output directory, listed without
 * following a link (the directory is Airlock's own, but the artifacts in it were named
 * by the scripts). The client zips what it is given and would follow a symlink
 * (realpath) to wherever it points, so nothing but regular files is ever handed to it.
 * Left out: the run marker (Airlock's bookkeeping for the directory), and a file whose
 * name the artifact service refuses (`" : < > | * ?`, line breaks: a script may write
 * `plot:1.png`), which would otherwise fail the whole upload; those are named in the
 * summary.
 */
export interface SkippedFile {
  path: string;
  why: string;
}

export type ArtifactOutcome =
  | {
      uploaded: true;
      name: string;
      id: number;
      url: string | undefined;
      files: number;
      /** Size of the uploaded zip. */
      bytes: number | undefined;
      /** SHA-256 of the uploaded zip, hex. */
      digest: string | undefined;
      skipped: SkippedFile[];
    }
  | { uploaded: false; name: string; reason: string; skipped: SkippedFile[] };

/** What @actions/artifact's client offers that we use; tests may pass another. */
export type ArtifactUploader = Pick<DefaultArtifactClient, 'uploadArtifact'>;

const MAX_NAME = 200;
/** What @actions/artifact refuses in a file's path inside the artifact (its validateFilePath). */
const REFUSED_IN_PATH = /["<>|*?:\r\n]/;
const MAX_REASON = 600;

/**
 * `airlock-<run id>-<attempt>[-<job>][-<category>]`: one per run attempt, and per job and
 * SARIF category so two Airlock steps of one run do not ask for the same name (the
 * service refuses a second artifact of a name in a run). Matrix legs share the job id:
 * they set `sarif-category` (they need to anyway) or `artifact-name`.
 */
export function defaultArtifactName(
  ctx: Pick<GitHubContext, 'runId' | 'runAttempt' | 'job'>,
  sarifCategory: string,
): string {
  const parts = ['airlock', ctx.runId || 'local', ctx.runAttempt || '1'];
  if (ctx.job) parts.push(ctx.job);
  if (sarifCategory && sarifCategory !== 'airlock') parts.push(sarifCategory);
  // Only what the service and a file name accept everywhere; runs of others become one '-'.
  return parts
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, MAX_NAME);
}

/** `${server}/${owner}/${repo}/actions/runs/${run}/artifacts/${id}`, as actions/upload-artifact gives it. */
export function artifactUrl(
  ctx: Pick<GitHubContext, 'serverUrl' | 'owner' | 'repo' | 'runId'>,
  id: number,
): string | undefined {
  if (!ctx.runId) return undefined;
  return `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}/actions/runs/${ctx.runId}/artifacts/${id}`;
}

/**
 * The regular files under `dir`, sorted, as absolute paths. Entries are typed from
 * readdir (lstat semantics): a symlink is never followed, neither to a file nor into a
 * directory, and is reported as skipped with anything else that is not a plain file.
 */
export async function listOutputFiles(dir: string): Promise<{ files: string[]; skipped: SkippedFile[] }> {
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  const walk = async (at: string): Promise<void> => {
    const entries = await readdir(at, { withFileTypes: true });
    for (const e of entries) {
      const path = join(at, e.name);
      const rel = relative(dir, path).split(sep).join('/');
      if (e.isDirectory()) await walk(path);
      else if (!e.isFile()) skipped.push({ path: rel, why: 'not a regular file' });
      else if (rel === RUN_MARKER) continue;
      else if (REFUSED_IN_PATH.test(rel))
        skipped.push({ path: rel, why: 'a name the artifact service refuses' });
      else files.push(path);
    }
  };
  await walk(dir);
  files.sort();
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped };
}

export async function uploadOutputDir(opts: {
  outDir: string;
  name: string;
  retentionDays: number | undefined;
  ctx: Pick<GitHubContext, 'serverUrl' | 'owner' | 'repo' | 'runId'>;
  /** The step's environment: where the runner hands an action the results service. */
  env: NodeJS.ProcessEnv;
  client?: ArtifactUploader;
}): Promise<ArtifactOutcome> {
  const { name } = opts;
  let skipped: SkippedFile[] = [];
  try {
    // The runner gives these to JavaScript actions only; without them there is no service to ask.
    const missing = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'].filter((k) => !opts.env[k]);
    if (missing.length) {
      return {
        uploaded: false,
        name,
        skipped,
        reason: `the runner gave this step no ${missing.join(' or ')} (the Actions results service that stores artifacts; there is none outside GitHub Actions, e.g. act or a local run, nor on GitHub Enterprise Server); set upload-artifact: false to skip`,
      };
    }
    const listed = await listOutputFiles(opts.outDir);
    skipped = listed.skipped;
    if (listed.files.length === 0)
      return { uploaded: false, name, skipped, reason: 'the output directory holds no file to upload' };
    const client = opts.client ?? new DefaultArtifactClient();
    const r = await client.uploadArtifact(name, listed.files, opts.outDir, {
      retentionDays: opts.retentionDays,
    });
    if (r.id === undefined || !Number.isSafeInteger(r.id)) {
      return {
        uploaded: false,
        name,
        skipped,
        reason: `the service returned no usable artifact id (${r.id})`,
      };
    }
    return {
      uploaded: true,
      name,
      id: r.id,
      url: artifactUrl(opts.ctx, r.id),
      files: listed.files.length,
      bytes: r.size,
      digest: r.digest,
      skipped,
    };
  } catch (e) {
    return { uploaded: false, name, skipped, reason: failureReason(e, name) };
  }
}

function failureReason(e: unknown, name: string): string {
  if (e instanceof GHESNotSupportedError || (e as Error)?.name === 'GHESNotSupportedError') {
    return 'GitHub Enterprise Server has no artifact service for @actions/artifact v2 and later; set upload-artifact: false to skip';
  }
  let text = String((e as Error)?.message ?? e)
    .split('\n')[0]!
    .slice(0, MAX_REASON);
  // Blob storage's errors (@azure/storage-blob's RestError) carry the status and code apart from the text.
  const { statusCode, code } = e as { statusCode?: number; code?: string };
  if (typeof statusCode === 'number')
    text = `blob storage answered ${statusCode}${typeof code === 'string' ? ` ${code}` : ''}: ${text}`;
  // The service answers 409 when the run already has an artifact of this name.
  if (/\(409\)/.test(text)) {
    return `${text} (this run already has an artifact named '${name}': give each Airlock step or matrix leg its own artifact-name or sarif-category)`;
  }
  return text;
}

/** The Action's step: uploads, sets the outputs `artifact-id` and `artifact-url`, and says what happened. */
export async function artifactStage(opts: {
  ctx: GitHubContext;
  inputs: Pick<ActionInputs, 'artifactName' | 'artifactRetentionDays' | 'sarifCategory'>;
  outDir: string;
  env: NodeJS.ProcessEnv;
}): Promise<ArtifactOutcome> {
  const { ctx, inputs, env } = opts;
  const outcome = await uploadOutputDir({
    outDir: opts.outDir,
    name: inputs.artifactName ?? defaultArtifactName(ctx, inputs.sarifCategory),
    retentionDays: inputs.artifactRetentionDays,
    ctx,
    env,
  });
  core.setOutput('artifact-id', outcome.uploaded ? String(outcome.id) : '');
  core.setOutput('artifact-url', outcome.uploaded ? (outcome.url ?? '') : '');
  if (outcome.uploaded) {
    core.info(
      `output directory uploaded as workflow artifact ${outcome.name} (id ${outcome.id}, ${outcome.files} files)${outcome.url ? `: ${outcome.url}` : ''}`,
    );
  } else {
    core.warning(
      `output directory not uploaded as a workflow artifact: ${outcome.reason}. The gate's verdict does not depend on it; the files are in ${opts.outDir} on the runner.`,
    );
  }
  if (outcome.skipped.length)
    core.warning(
      `${outcome.skipped.length} file(s) of the output directory not uploaded: ${outcome.skipped
        .slice(0, 10)
        .map((s) => `${s.path} (${s.why})`)
        .join('; ')}${outcome.skipped.length > 10 ? '; …' : ''}`,
    );
  return outcome;
}

/** The outcome as the job summary shows it. */
export function artifactNote(o: ArtifactOutcome): ArtifactNote {
  const skipped = o.skipped.map((s) => `${s.path} (${s.why})`);
  return o.uploaded
    ? { name: o.name, url: o.url, files: o.files, bytes: o.bytes, digest: o.digest, skipped }
    : { name: o.name, failed: o.reason, skipped };
}
