import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GitHubContext } from './context.js';
import { changesUnder, type PathChanges } from './revision-diff.js';

/**
 * On `pull_request`, GitHub runs the PR's own copy of the workflow: a PR can edit the
 * step that runs Airlock (drop it, pin another version, set `fail-on: ''`). Airlock
 * cannot prevent that from inside the job (docs/github.md says what does: a
 * ruleset-required workflow, `pull_request_target`, CODEOWNERS review of
 * `.github/`), but it can say so: this lists what the PR changes in the workflow
 * this run executes (GITHUB_WORKFLOW_REF), any other workflow, and, when Airlock
 * runs as a local action (`uses: ./`), that action's action.yml, bundle and shipped
 * policies (`default`/`strict` then come from the PR's checkout).
 */

const WORKFLOWS_DIR = '.github/workflows';

/** The workflow file's repository path from GITHUB_WORKFLOW_REF, if it is this repository's. */
export function workflowFileOf(ctx: Pick<GitHubContext, 'workflowRef' | 'repository'>): string | undefined {
  const ref = ctx.workflowRef ?? '';
  const prefix = `${ctx.repository}/`;
  const at = ref.lastIndexOf('@');
  if (!ref.toLowerCase().startsWith(prefix.toLowerCase()) || at < 0) return undefined;
  const path = ref.slice(prefix.length, at);
  // Only a workflow file of this repository; anything else is not something a PR diff can show.
  if (
    !path.startsWith(`${WORKFLOWS_DIR}/`) ||
    path.split('/').some((p) => p === '..' || p === '.' || p === '')
  ) {
    return undefined;
  }
  return path;
}

/** The folder holding this Action's action.yml (the bundle sits in its dist/). */
function actionRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'action.yml')) || existsSync(join(dir, 'action.yaml'))) return dir;
  }
  return undefined;
}

/** Repository paths whose change alters what runs the gate (see the module comment). */
export function gateDefinitionPaths(
  ctx: Pick<GitHubContext, 'workflowRef' | 'repository'>,
  top: string,
  root: string | undefined = actionRoot(),
): string[] {
  const paths = [WORKFLOWS_DIR];
  const file = workflowFileOf(ctx);
  if (file) paths.push(file);
  if (root) {
    const rel = relative(top, root).split(sep).join('/');
    // A local action: its definition, its code and its shipped policies are files of the PR.
    if (!rel.startsWith('..') && !rel.startsWith('/')) {
      const p = rel ? `${rel}/` : '';
      paths.push(`${p}action.yml`, `${p}action.yaml`, `${p}dist`, `${p}policies`);
    }
  }
  return paths;
}

export interface WorkflowChange extends PathChanges {
  /** The workflow file this run executes, when the PR changes it. */
  ownWorkflow?: string;
}

export async function workflowChanges(opts: {
  ctx: GitHubContext;
  top: string;
  base: string;
  head: string;
}): Promise<WorkflowChange> {
  const changes = await changesUnder({ ...opts, paths: gateDefinitionPaths(opts.ctx, opts.top) });
  const own = workflowFileOf(opts.ctx);
  return { ...changes, ownWorkflow: own && changes.files.includes(own) ? own : undefined };
}
