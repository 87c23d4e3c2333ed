import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { minimalEnv, tryRunCommand } from '../../src/exec/run-command.js';
import { parseOutputs } from './action-runner.js';

/**
 * Runs the built Action bundle as a GitHub runner does: every input of action.yml
 * gets its default (INPUT_*), then the workflow's `with:` values; the GITHUB_* and
 * RUNNER_* environment, an event payload file, and the GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files the runner reads back.
 *
 * AIRLOCK_TEST_ACTION_BUNDLE runs another bundle (an older build, to see a test fail
 * on the behaviour it guards against).
 */
export const ACTION_BUNDLE = resolve(process.env.AIRLOCK_TEST_ACTION_BUNDLE ?? 'dist/index.js');

export interface ActionRun {
  exitCode: number | null;
  log: string;
  outputs: Record<string, string>;
  summary: string;
  wallMs: number;
}

/** action.yml's inputs with their defaults, `${{ github.token }}` replaced by `token`. */
export async function actionDefaults(token: string): Promise<Record<string, string>> {
  const doc = parse(await readFile(resolve('action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  return Object.fromEntries(
    Object.entries(doc.inputs).map(([name, spec]) => [
      name,
      String(spec.default ?? '').replace('${{ github.token }}', token),
    ]),
  );
}

export interface PullRequestFixture {
  repository: string;
  number: number;
  baseSha: string;
  headSha: string;
}

export function pullRequestPayload(pr: PullRequestFixture) {
  const [owner, name] = pr.repository.split('/');
  return {
    action: 'synchronize',
    number: pr.number,
    pull_request: {
      number: pr.number,
      head: { sha: pr.headSha, ref: 'feature', repo: { full_name: pr.repository, fork: false } },
      base: { sha: pr.baseSha, ref: 'main', repo: { full_name: pr.repository, fork: false } },
    },
    repository: { full_name: pr.repository, name, owner: { login: owner } },
  };
}

export async function runActionBundle(opts: {
  /** A scratch directory for the run's files (event, output, summary, RUNNER_TEMP). */
  scratch: string;
  workspace: string;
  pr: PullRequestFixture;
  apiUrl: string;
  token: string;
  with: Record<string, string>;
  /** Another event than the pull request `pr` describes (a push): its name, payload, ref and commit. */
  event?: { name: string; payload: unknown; ref: string; sha: string };
  /** Extra environment: DOCKER_HOST, AIRLOCK_PUBLISHED_IMAGE_FILE, NODE_EXTRA_CA_CERTS... */
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}): Promise<ActionRun> {
  const run = await mkdtemp(join(opts.scratch, 'run-'));
  const eventPath = join(run, 'event.json');
  const outputFile = join(run, 'output');
  const summaryFile = join(run, 'summary');
  await writeFile(eventPath, JSON.stringify(opts.event?.payload ?? pullRequestPayload(opts.pr)));
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const inputs = { ...(await actionDefaults(opts.token)), ...opts.with };
  const env = minimalEnv({
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: run,
    GITHUB_EVENT_NAME: opts.event?.name ?? 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: opts.pr.repository,
    GITHUB_SHA: opts.event?.sha ?? opts.pr.headSha,
    GITHUB_REF: opts.event?.ref ?? `refs/pull/${opts.pr.number}/merge`,
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_API_URL: opts.apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '5150',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    ...opts.env,
    ...Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]),
    ),
  });
  const started = performance.now();
  const r = await tryRunCommand(process.execPath, [ACTION_BUNDLE], {
    cwd: opts.workspace,
    env,
    timeoutMs: opts.timeoutMs,
    // A cold image build logs thousands of lines; the whole log is the evidence.
    maxOutputBytes: 64 * 1024 * 1024,
  });
  return {
    exitCode: r.exitCode,
    log: r.stdout + r.stderr,
    outputs: parseOutputs(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
    wallMs: Math.round(performance.now() - started),
  };
}
