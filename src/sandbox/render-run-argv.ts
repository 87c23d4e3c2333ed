import { type ContainerSpec, renderUser } from './container-spec.js';
import type { ExecConfig } from './exec-config.js';
import { sizeText, tmpfsOptions } from './render-create-request.js';
import { seccompProfileFile } from './seccomp-file.js';

/**
 * The same container as a `docker run` argv (without the leading `docker`): for the
 * docs, the operator's reproduction (docker-compose.overrides/ is compared with it) and
 * the benchmark's do-it-yourself baseline. Airlock itself never runs it: the engine is
 * driven through its API (render-create-request.ts). A pure rendering of the spec.
 */

/** A `--mount` CSV field, quoted when it holds what the CSV reader would split on. */
function csvField(field: string): string {
  return /[",\n\r]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

export function renderRunArgv(spec: ContainerSpec, seccompFile: () => string = seccompProfileFile): string[] {
  const l = spec.limits;
  const args = ['run', '--detach', '--name', spec.name];
  for (const [k, v] of Object.entries(spec.labels)) args.push('--label', `${k}=${v}`);
  args.push(
    '--runtime',
    spec.runtime,
    // A missing image is an error, never a pull: a typo must not fetch from a registry.
    '--pull',
    'never',
  );
  if (spec.init) args.push('--init');
  if (spec.readonlyRootfs) args.push('--read-only');
  for (const cap of spec.capDrop) args.push(`--cap-drop=${cap}`);
  for (const opt of spec.securityOpt) {
    // The CLI reads `seccomp=` as a file and inlines it itself; the spec holds the JSON.
    args.push('--security-opt', opt.startsWith('seccomp={') ? `seccomp=${seccompFile()}` : opt);
  }
  args.push('--network', spec.network, '--ipc', spec.ipc, '--hostname', spec.hostname);
  args.push('--log-driver', spec.logDriver);
  if (spec.usernsMode !== undefined) args.push('--userns', spec.usernsMode);
  args.push(
    '--pids-limit',
    String(l.pids),
    '--memory',
    sizeText(l.memoryBytes),
    '--memory-swap',
    sizeText(l.memorySwapBytes),
    '--cpus',
    String(l.nanoCpus / 1e9),
  );
  for (const u of l.ulimits) args.push('--ulimit', `${u.name}=${u.soft}:${u.hard}`);
  args.push('--shm-size', sizeText(l.shmBytes));
  for (const t of spec.tmpfs) args.push('--tmpfs', `${t.target}:${tmpfsOptions(t)}`);
  for (const m of spec.mounts) {
    const fields = [
      'type=bind',
      `source=${m.source}`,
      `target=${m.target}`,
      ...(m.readOnly ? ['readonly'] : []),
    ];
    args.push('--mount', fields.map(csvField).join(','));
  }
  args.push('--workdir', spec.workdir);
  for (const [k, v] of spec.env) args.push('--env', `${k}=${v}`);
  args.push('--user', renderUser(spec.keeperUser));
  args.push('--entrypoint', spec.entrypoint[0] ?? '', spec.image, ...spec.entrypoint.slice(1), ...spec.cmd);
  return args;
}

/** `docker exec` argv of one exec in that container (no -i/-t: no stdin, no tty). */
export function renderExecArgv(name: string, exec: ExecConfig): string[] {
  return [
    'exec',
    '--user',
    renderUser(exec.user),
    ...(exec.workdir === undefined ? [] : ['--workdir', exec.workdir]),
    name,
    ...exec.cmd,
  ];
}
