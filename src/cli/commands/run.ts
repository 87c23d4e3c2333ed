import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { ensureParentInCwd } from '../../gate/real-dirs.js';
import { loadPolicy, policySha256, resolvePolicyRef } from '../../policy/index.js';
import { DEFAULT_CONTAINER_LABEL } from '../../sandbox/profiles.js';
import { writeJson } from '../../report/write-json.js';
import { prepareSandboxEngine } from '../../sandbox/engine-limits-check.js';
import { parseEngine } from '../../sandbox/engine-select.js';
import { runScript } from '../../sandbox/run-script.js';
import type { SandboxRuntime } from '../../sandbox/types.js';
import { parseCommandArgs } from '../args.js';
import { type CliCommand, EXIT_OK, EXIT_VERDICT } from '../command.js';
import { guardWorkflowCommands, underGitHubActions } from '../output/workflow-commands.js';

const usage = `Usage: airlock run SCRIPT [--policy F] [--out DIR] [--report F] [--image REF]
                   [--runtime runc|runsc] [--engine docker|podman] [--profile NAME]

Runs one Python script of the workspace (the current directory) in the hardened
sandbox: no network, read-only root, its own directory read-only at /work, artifacts
written to $AIRLOCK_OUTPUT_DIR copied to DIR. Nothing is scanned: use \`airlock gate\`
to scan first.

Options:
  --policy F     policy file, or a shipped name: default, strict (default: default);
                 gives the image, runtime, user and the profiles' limits
  --profile NAME resource profile of the policy (default: the one for level low,
                 "standard"; "restricted" is tighter)
  --out DIR      where artifacts go; must be new or empty (default: a new directory
                 airlock-run-XXXXXX under the system temp dir, printed at the end;
                 nothing is written into the repository unless you name it)
  --report F     write the JSON report (execution status, output, artifacts) to F,
                 any path you can write
  --image REF    sandbox image (default: the policy's, airlock-sandbox:local)
  --runtime R    runc or runsc (gVisor)
  --engine E     docker or podman (default: the policy's, else the one that answers)

The script's stdout and stderr are printed after it ends. Under GitHub Actions
(GITHUB_ACTIONS=true) they are wrapped in ::stop-commands:: with a random token and
lines that look like workflow commands (::add-mask::, ::error::, ##[...]) are escaped:
the script's output cannot mask, annotate or set anything in the job.

Exit status: 0 the script succeeded; 1 it failed, timed out, ran out of memory or
the sandbox failed; 2 usage or environment error.`;

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run one script in the hardened sandbox',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        policy: { type: 'string' },
        out: { type: 'string' },
        report: { type: 'string' },
        image: { type: 'string' },
        runtime: { type: 'string' },
        engine: { type: 'string' },
        profile: { type: 'string' },
      },
      usage,
    );
    if (positionals.length !== 1) throw new UserError('USAGE', `expected exactly one SCRIPT\n\n${usage}`);
    if (positionals[0]!.endsWith('.ipynb')) {
      // Python would read the notebook's JSON as a script; the gate extracts its cells.
      throw new UserError(
        'USAGE',
        'airlock run takes a .py script; gate a notebook with `airlock gate NOTEBOOK.ipynb` (docs/notebooks.md)',
      );
    }
    if (values.runtime !== undefined && values.runtime !== 'runc' && values.runtime !== 'runsc') {
      throw new UserError('USAGE', `--runtime must be runc or runsc, got '${values.runtime}'`);
    }
    if (values.image !== undefined && (!values.image.trim() || values.image.startsWith('-'))) {
      throw new UserError('USAGE', `invalid --image '${values.image}'`);
    }
    const policy = await loadPolicy(
      values.policy === undefined ? undefined : resolvePolicyRef(values.policy, io.cwd),
      { root: io.cwd },
    );
    const profileName = values.profile ?? policy.execute.low.profile ?? 'standard';
    const profile = policy.profiles[profileName];
    if (profile?.egress && profile.egress.allow.length > 0) {
      throw new UserError(
        'EGRESS_UNAVAILABLE',
        `profile ${profileName} grants egress; airlock run gives a script no network (it has no audit log to record requests in): use airlock gate (docs/egress.md)`,
      );
    }
    if (!profile) {
      const known = Object.keys(policy.profiles).join(', ');
      throw new UserError(
        'USAGE',
        `unknown --profile '${profileName}' (policy ${policy.name} has: ${known})`,
      );
    }
    const { egress: _egress, install: _install, ...limits } = profile;
    // Default: a fresh private temp dir, never ./airlock-out in the user's checkout.
    const outDir =
      values.out !== undefined
        ? path.resolve(io.cwd, values.out)
        : await mkdtemp(path.join(tmpdir(), 'airlock-run-'));
    const reportFile = values.report ? path.resolve(io.cwd, values.report) : undefined;
    // Inside the workspace a committed symlink could redirect the writes: no link is followed there.
    if (values.out !== undefined) await ensureParentInCwd(io.cwd, outDir, '--out');
    if (reportFile) await ensureParentInCwd(io.cwd, reportFile, '--report');
    const runtime = (values.runtime as SandboxRuntime | undefined) ?? policy.sandbox.runtime;
    await prepareSandboxEngine(
      parseEngine(values.engine, '--engine') ?? policy.sandbox.engine,
      runtime,
      (l) => io.stderr(`airlock run: ${l}\n`),
      io.env,
    );
    const report = await runScript({
      workspace: io.cwd,
      script: positionals[0]!,
      outDir,
      sandbox: {
        image: values.image ?? policy.sandbox.image,
        runtime,
        user: policy.sandbox.user,
        parallelism: 1,
        label: DEFAULT_CONTAINER_LABEL,
      },
      profile: { name: profileName, limits },
      policy: { path: policy.source.path, name: policy.name, sha256: policySha256(policy) },
    });
    const s = report.scripts[0]!;
    const e = s.execution;
    // Temp file and rename: never half a report, and a link at the name is replaced, not followed.
    if (reportFile) await writeJson(reportFile, report);
    const show = (text: string): string =>
      underGitHubActions(io.env) ? guardWorkflowCommands(text) : text.endsWith('\n') ? text : `${text}\n`;
    if (e.stdout) io.stdout(show(e.stdout));
    if (e.stderr) io.stderr(show(e.stderr));
    const mem = e.peakMemoryBytes === null ? 'n/a' : `${(e.peakMemoryBytes / 1048576).toFixed(1)} MiB`;
    io.stderr(
      `airlock run: ${s.path}: ${e.status}${e.exitCode === null ? '' : ` (exit ${e.exitCode})`}, ` +
        `${e.durationMs} ms, peak ${mem}, ${e.artifacts.length} artifact(s) in ${report.outDir}` +
        `${e.stdoutTruncated ? `, stdout truncated (${e.stdoutBytes} bytes)` : ''}${e.reason ? `: ${e.reason}` : ''}\n`,
    );
    return e.status === 'success' ? EXIT_OK : EXIT_VERDICT;
  },
};
