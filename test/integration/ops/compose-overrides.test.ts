import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type CommandResult, tryRunCommand } from '../../../src/exec/run-command.js';
import { loadPolicy } from '../../../src/policy/index.js';
import { containerSpecFor, renderUser } from '../../../src/sandbox/container-spec.js';
import { renderRunArgv } from '../../../src/sandbox/render-run-argv.js';
import { DEFAULT_CONTAINER_LABEL } from '../../../src/sandbox/profiles.js';
import type { HardenedRunSpec, SandboxRuntime } from '../../../src/sandbox/types.js';
import { SMOKE_CHECKS } from '../../../src/smoke/checks.js';
import { FAKE_SECRET_VAR, smokeDir } from '../../../src/smoke/run-smoke.js';
import type { ExecutionResult } from '../../../src/report/types.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * docker-compose.overrides/ lets an operator reproduce a gated run by hand. It is
 * only useful if it runs with exactly the Action's flags, so this renders each file
 * with the real docker-compose (v1) and compares every hardening setting with the
 * `docker run` rendering of the Action's ContainerSpec (src/sandbox/render-run-argv.ts) for the same policy profile. Then it runs
 * containers through the files: a probe that checks the flags took effect, and the
 * image's smoke scripts (images/smoke/).
 */

const FILES = [
  { file: 'docker-compose.overrides/local.yml', policy: undefined, profile: 'standard', runtime: 'runc' },
  {
    file: 'docker-compose.overrides/staging.yml',
    policy: 'policies/strict.yml',
    profile: 'restricted',
    runtime: 'runsc',
  },
] as const;

/** Per-run lifecycle flags of the Action that a manual `docker-compose run` has no use for (see the files' header). */
const LIFECYCLE_FLAGS = new Set(['--detach', '--name', '--pull', '--entrypoint', '--user']);
const PER_RUN_LABEL = /^org\.airlock\.(owner-|run-id)/;

let workDir: string;

/**
 * The smoke checks (src/smoke/checks.ts) that can be judged from a plain
 * `docker-compose run`. Left out, with the reason: the file-producing checks
 * (matplotlib, networkx, pandas, polars, graphviz, mermaid) are judged by the files'
 * bytes, which live on the run's /out tmpfs and go with the container; the limit
 * checks (pids, memory, tmpfs) run under their own reduced limits, not the profile's;
 * semgrep is not installable on every build machine. `airlock smoke` runs them all.
 */
const COMPOSE_SMOKE = [
  'python-version',
  'imports',
  'not-root',
  'capabilities-none',
  'no-new-privileges',
  'seccomp-filter',
  'readonly-rootfs',
  'no-network',
  'no-runner-secrets',
  'bandit',
];
const SMOKE_IMAGE = 'airlock-sandbox:local';

/** A compose run as the smoke judges read it: success = exit 0. */
function asExecution(r: CommandResult): ExecutionResult {
  return {
    status: r.exitCode === 0 ? 'success' : r.timedOut ? 'timeout' : 'failure',
    exitCode: r.exitCode,
    durationMs: r.durationMs,
    peakMemoryBytes: null,
    stdout: r.stdout,
    stderr: r.stderr,
    stdoutTruncated: r.stdoutTruncated,
    stderrTruncated: r.stderrTruncated,
    stdoutBytes: r.stdoutBytes,
    stderrBytes: r.stderrBytes,
    stdoutSha256: '',
    stderrSha256: '',
    artifacts: [],
    artifactsTruncated: false,
    runtime: 'runc',
    profile: 'standard',
    containerName: 'compose',
  };
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'airlock-compose-'));
  await chmod(workDir, 0o755);
});
afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function compose(file: string, args: string[], env: Record<string, string> = {}) {
  return tryRunCommand('docker-compose', ['--ansi', 'never', '-f', file, ...args], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      AIRLOCK_WORKDIR: workDir,
      ...env,
    },
    timeoutMs: 300_000,
  });
}

/** `--flag value`, `--flag=value` and bare booleans, as sorted "flag value" strings. */
function normaliseArgv(argv: string[]): string[] {
  const BOOLEAN = new Set(['--detach', '--init', '--read-only']);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) break; // the image: everything after it is the command
    const eq = a.indexOf('=');
    const [flag, value] =
      eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : BOOLEAN.has(a) ? [a, ''] : [a, argv[++i]!];
    if (LIFECYCLE_FLAGS.has(flag)) continue;
    if (flag === '--label' && PER_RUN_LABEL.test(value)) continue;
    out.push(`${flag} ${value}`.trim());
  }
  return out.sort();
}

/** Rendered compose service -> the docker run flags it stands for. */
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, mapped field by field
function composeToFlags(svc: any): string[] {
  const out: string[] = [];
  const add = (flag: string, value: unknown = '') => out.push(`${flag} ${String(value)}`.trim());
  add('--runtime', svc.runtime);
  if (svc.init) add('--init');
  if (svc.read_only) add('--read-only');
  for (const c of svc.cap_drop ?? []) add('--cap-drop', c);
  // Compose prints a seccomp file option in its colon form (seccomp:FILE); docker run takes both.
  for (const s of svc.security_opt ?? []) add('--security-opt', s.replace(/^seccomp:/, 'seccomp='));
  add('--network', svc.network_mode);
  add('--ipc', svc.ipc);
  add('--hostname', svc.hostname);
  add('--log-driver', svc.logging?.driver);
  for (const [k, v] of Object.entries(svc.labels ?? {})) add('--label', `${k}=${v}`);
  add('--pids-limit', svc.pids_limit);
  add('--memory', svc.mem_limit);
  add('--memory-swap', svc.memswap_limit);
  add('--cpus', svc.cpus);
  add('--shm-size', svc.shm_size);
  for (const [name, l] of Object.entries(svc.ulimits ?? {}) as [string, { soft: number; hard: number }][]) {
    add('--ulimit', `${name}=${l.soft}:${l.hard}`);
  }
  for (const t of svc.tmpfs ?? []) add('--tmpfs', t);
  for (const v of svc.volumes ?? []) {
    expect(v.type).toBe('bind');
    add('--mount', `type=bind,source=${v.source},target=${v.target}${v.read_only ? ',readonly' : ''}`);
  }
  add('--workdir', svc.working_dir);
  for (const [k, v] of Object.entries(svc.environment ?? {})) add('--env', `${k}=${v}`);
  return out.sort();
}

async function actionSpec(policyFile: string | undefined, profile: string, runtime: SandboxRuntime) {
  const policy = await loadPolicy(policyFile);
  const limits = policy.profiles[profile];
  if (!limits) throw new Error(`no profile ${profile}`);
  const spec: HardenedRunSpec = {
    sandbox: { ...policy.sandbox, runtime, label: DEFAULT_CONTAINER_LABEL },
    limits,
    profile,
    workDir,
    command: ['python3', 'script.py'],
  };
  return spec;
}

describe.each(FILES)('$file', ({ file, policy, profile, runtime }) => {
  it('renders with docker-compose and carries exactly the Action hardening flags', async () => {
    const r = await compose(file, ['config']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const svc = parse(r.stdout).services.sandbox;
    const spec = await actionSpec(policy, profile, runtime);
    const container = containerSpecFor(spec, {
      name: 'x',
      runId: 'r',
      ownerPid: 1,
      ownerStart: '1',
      ownerHost: 'h',
    });
    const expected = normaliseArgv(
      renderRunArgv(container, () => 'docker-compose.overrides/airlock-seccomp.json').slice(1),
    );
    expect(composeToFlags(svc)).toEqual(expected);
    // The script runs as the policy's sandbox user (the Action's exec user).
    expect(String(svc.user)).toBe(renderUser(container.user));
    expect(svc.image).toBe(spec.sandbox.image);
  });

  it('refuses to render without the script directory', async () => {
    const r = await tryRunCommand('docker-compose', ['--ansi', 'never', '-f', file, 'config'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('AIRLOCK_WORKDIR');
  });
});

describe('running through docker-compose.overrides/', () => {
  it.each([
    'docker-compose.overrides/local.yml',
    // gVisor: runsc must be registered with dockerd (scripts/setup.sh does it).
    'docker-compose.overrides/staging.yml',
  ])(
    '%s enforces the flags inside the container (non-root, no caps, no network, read-only root)',
    async (file) => {
      const image = await ensureTestImage();
      await writeFile(
        join(workDir, 'probe.py'),
        `import ctypes, json, os, socket
status = {l.split(":")[0]: l.split(":")[1].strip() for l in open("/proc/self/status") if ":" in l}
def denied(fn):
    try:
        fn()
        return False
    except OSError:
        return True
def connect():
    s = socket.socket()
    s.settimeout(2)
    s.connect(("1.1.1.1", 53))
out = os.environ["AIRLOCK_OUTPUT_DIR"]
open(os.path.join(out, "ok.txt"), "w").write("ok")
print(json.dumps({
  "uid": os.getuid(), "capEff": status["CapEff"],
  # prctl(PR_GET_NO_NEW_PRIVS): gVisor's /proc/self/status has no NoNewPrivs line.
  "noNewPrivs": ctypes.CDLL(None).prctl(39, 0, 0, 0, 0),
  # gVisor's Sentry reports this fixed kernel version.
  "gvisor": "4.4.0 #1 SMP Sun Jan 10 15:06:54 PST 2016" in open("/proc/version").read(),
  "rootWritable": not denied(lambda: open("/probe", "w")),
  "workWritable": not denied(lambda: open("/work/probe", "w")),
  "network": not denied(connect),
  "outWritable": os.path.exists(os.path.join(out, "ok.txt")),
  "env": sorted(k for k in os.environ if k.startswith(("GITHUB", "ACTIONS", "AWS"))),
}))
`,
      );
      const r = await compose(file, ['run', '--rm', '-T', 'sandbox', 'python3', 'probe.py'], {
        AIRLOCK_IMAGE: image,
        // Present in the caller's environment; must not reach the container.
        GITHUB_TOKEN: 'ghs_secret',
      });
      expect(r.exitCode, r.stderr).toBe(0);
      const probe = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      expect(probe).toEqual({
        uid: 10001,
        capEff: '0000000000000000',
        noNewPrivs: 1,
        gvisor: file.endsWith('staging.yml'),
        rootWritable: false,
        workWritable: false,
        network: false,
        outWritable: true,
        env: [],
      });
    },
  );

  it('passes the image smoke checks under the overrides', { timeout: 900_000 }, async () => {
    const inspect = await tryRunCommand('docker', ['image', 'inspect', SMOKE_IMAGE]);
    expect(inspect.exitCode, `${SMOKE_IMAGE} must be built (scripts/setup.sh)`).toBe(0);
    const checks = SMOKE_CHECKS.filter((c) => COMPOSE_SMOKE.includes(c.name));
    expect(checks.map((c) => c.name).sort()).toEqual([...COMPOSE_SMOKE].sort());
    const fakeSecret = `airlock-compose-fake-${process.pid}`;
    const results: Record<string, string> = {};
    for (const check of checks) {
      const r = await tryRunCommand(
        'docker-compose',
        [
          '--ansi',
          'never',
          '-f',
          'docker-compose.overrides/local.yml',
          'run',
          '--rm',
          '-T',
          'sandbox',
          'python3',
          ...check.args,
        ],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: process.env.HOME ?? '/root',
            AIRLOCK_WORKDIR: smokeDir(),
            AIRLOCK_IMAGE: SMOKE_IMAGE,
            // In the caller's environment, as a runner secret would be: must not reach the container.
            [FAKE_SECRET_VAR]: fakeSecret,
          },
          timeoutMs: 300_000,
        },
      );
      const outcome = await check.judge(asExecution(r), workDir, {
        fakeSecret,
        runtime: 'runc',
        flavor: 'core',
      });
      results[check.name] = `${outcome.status}: ${outcome.detail}`;
    }
    console.log(
      `smoke checks through docker-compose.overrides/local.yml:\n${JSON.stringify(results, null, 2)}`,
    );
    for (const [name, verdict] of Object.entries(results))
      expect({ [name]: verdict }).toEqual({ [name]: expect.stringMatching(/^pass: /) });
  });
});
