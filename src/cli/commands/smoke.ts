import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { ensureParentInCwd } from '../../gate/real-dirs.js';
import { writeJson } from '../../report/write-json.js';
import { parseFlavor } from '../../image/flavor.js';
import { DEFAULT_SANDBOX_IMAGE } from '../../sandbox/profiles.js';
import type { SandboxRuntime } from '../../sandbox/types.js';
import { runSmoke } from '../../smoke/run-smoke.js';
import { createTelemetry } from '../../telemetry/index.js';
import { parseCommandArgs } from '../args.js';
import { type CliCommand, EXIT_OK, EXIT_VERDICT } from '../command.js';

const usage = `Usage: airlock smoke [--image REF] [--flavor core|full] [--report F] [--runtime runc|runsc] [--check NAME]...

Runs the image smoke suite: each check is a small Python script (images/smoke/) run
under the same hardened flags as a gated script. Shows that the bundled tools work
(Python, pandas, Polars, matplotlib, NetworkX, Graphviz, Bandit, Semgrep, a notebook
run by nbclient; Mermaid on full; on core, that Chromium, Node.js and the Mermaid CLI are absent) and that
the sandbox holds (non-root, no capabilities, no_new_privs, seccomp, read-only root,
no network, pids/memory/tmpfs limits, no runner secrets). A check that cannot run
(e.g. Semgrep absent) is "unavailable", never "pass".

Options:
  --image REF     image to check (default ${DEFAULT_SANDBOX_IMAGE})
  --flavor F      check the image as core or full (default: the image's
                  org.airlock.flavor label; full for an image without one)
  --runtime R     runc (default) or runsc (gVisor)
  --report F      write the JSON report to F
  --check NAME    run only this check (repeatable)

Exit status: 0 no check failed; 1 a check failed; 2 usage or environment error.`;

export const smokeCommand: CliCommand = {
  name: 'smoke',
  summary: 'run the image smoke suite under the hardened flags',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        image: { type: 'string' },
        report: { type: 'string' },
        runtime: { type: 'string' },
        flavor: { type: 'string' },
        check: { type: 'string', multiple: true },
      },
      usage,
    );
    if (positionals.length > 0)
      throw new UserError('USAGE', `unexpected argument '${positionals[0]}'\n\n${usage}`);
    const runtime = values.runtime ?? 'runc';
    if (runtime !== 'runc' && runtime !== 'runsc') {
      throw new UserError('USAGE', `--runtime must be runc or runsc, got '${runtime}'`);
    }
    const image = values.image ?? DEFAULT_SANDBOX_IMAGE;
    if (!image.trim() || image.startsWith('-')) throw new UserError('USAGE', `invalid --image '${image}'`);
    const report = await runSmoke({
      image,
      runtime: runtime as SandboxRuntime,
      ...(values.flavor !== undefined ? { flavor: parseFlavor(values.flavor, '--flavor') } : {}),
      ...(values.check ? { only: values.check } : {}),
      progress: (line) => io.stderr(`${line}\n`),
    });
    if (values.report) {
      // No link followed inside the checkout; temp file and rename: never half a report.
      const file = path.resolve(io.cwd, values.report);
      await ensureParentInCwd(io.cwd, file, '--report');
      await writeJson(file, report);
    }
    const s = report.summary;
    io.stdout(
      `smoke ${image} (${report.flavor.name}, ${runtime}): ${s.pass} pass, ${s.fail} fail, ${s.unavailable} unavailable\n`,
    );
    if (s.fail > 0) {
      // SandboxImageSmokeFailed: counted in sandbox_alerts_total{reason="smoke_failed"} and pushed
      // where an endpoint is configured (no endpoint: no traffic).
      const telemetry = createTelemetry({
        env: io.env,
        runId: randomUUID(),
        log: (l) => io.stderr(`${l}\n`),
      });
      telemetry.recordAlert({
        reason: 'smoke_failed',
        detail: `${s.fail} smoke check(s) failed on ${image} (${runtime})`,
      });
      await telemetry.flush();
    }
    return s.fail > 0 ? EXIT_VERDICT : EXIT_OK;
  },
};
