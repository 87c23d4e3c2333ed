import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { minimalEnv, tryRunCommand } from '../../src/exec/run-command.js';
import type { GateReport } from '../../src/report/types.js';

/**
 * Runs the built Action (`dist/index.js`) as a GitHub runner would: INPUT_* and
 * GITHUB_* variables, an event payload file, and the GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, which it returns parsed.
 */
export const DIST = resolve('dist/index.js');
export const CLI = resolve('dist/cli.js');

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  /** `<workspace>/.airlock/out/report.json`, or null when none was written. */
  report: GateReport | null;
}

export function parseOutputs(text: string): Record<string, string> {
  // @actions/core writes `name<<DELIM\nvalue\nDELIM\n`.
  const out: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

export async function runBuiltAction(opts: {
  /** Scratch folder for the run's event, output and summary files. */
  root: string;
  workspace: string;
  event: string;
  payload: unknown;
  inputs: Record<string, string>;
  /** GITHUB_* and other variables (GITHUB_SHA, GITHUB_REF, GITHUB_API_URL, ...). */
  env: Record<string, string>;
}): Promise<ActionRun> {
  const run = await mkdtemp(join(opts.root, 'run-'));
  const eventPath = join(run, 'event.json');
  const outputFile = join(run, 'output');
  const summaryFile = join(run, 'summary');
  await writeFile(eventPath, JSON.stringify(opts.payload));
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const env = minimalEnv({
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: opts.event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: run,
    ...opts.env,
    ...Object.fromEntries(Object.entries(opts.inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  });
  const r = await tryRunCommand(process.execPath, [DIST], { cwd: opts.workspace, env, timeoutMs: 600_000 });
  const reportText = await readFile(join(opts.workspace, '.airlock/out/report.json'), 'utf8').catch(
    () => 'null',
  );
  return {
    exitCode: r.exitCode,
    stdout: r.stdout + r.stderr,
    outputs: parseOutputs(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
    report: JSON.parse(reportText),
  };
}
