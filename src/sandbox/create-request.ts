/**
 * The Engine API request (`POST /containers/create?name=...`) that is exactly the
 * container `docker run --detach <args>` would create, derived from the argv that
 * `buildDockerRunArgs` builds. The argv stays the one statement of the hardening flags
 * (unit-tested flag by flag, and what the CLI path and the DIY baseline use); this
 * translates it, flag by flag, and refuses any flag it does not know rather than
 * dropping it. `create-request.test.ts` creates one container each way against the
 * real engine and compares what the engine made of them (`docker inspect`).
 */

export interface CreateRequest {
  name: string;
  body: {
    Image: string;
    Entrypoint: string[];
    Cmd: string[];
    User: string;
    WorkingDir: string;
    Hostname: string;
    Env: string[];
    Labels: Record<string, string>;
    AttachStdin: false;
    AttachStdout: false;
    AttachStderr: false;
    OpenStdin: false;
    Tty: false;
    HostConfig: Record<string, unknown>;
  };
}

/** `512m` and the like, as the CLI reads them (binary units), to bytes. */
function bytes(text: string, flag: string): number {
  const m = /^(\d+)([bkmg]?)$/i.exec(text);
  if (!m) throw new Error(`${flag}: cannot read the size '${text}'`);
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Number(m[1]) * unit;
}

function keyValue(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`${flag}: expected KEY=VALUE, got '${text}'`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** `--mount type=bind,source=S,target=T,readonly` (the only form the builder writes). */
function bindMount(text: string): { Type: 'bind'; Source: string; Target: string; ReadOnly: boolean } {
  const fields = new Map<string, string>();
  let readOnly = false;
  for (const part of text.split(',')) {
    if (part === 'readonly') readOnly = true;
    else {
      const [k, v] = keyValue(part, '--mount');
      fields.set(k, v);
    }
  }
  const source = fields.get('source');
  const target = fields.get('target');
  if (fields.get('type') !== 'bind' || !source || !target || fields.size !== 3) {
    throw new Error(`--mount: only type=bind,source=,target=[,readonly] is translated, got '${text}'`);
  }
  return { Type: 'bind', Source: source, Target: target, ReadOnly: readOnly };
}

/** Translates `docker run --detach ...` argv (without the leading `docker`). */
export function createRequestFromRunArgs(args: readonly string[]): CreateRequest {
  if (args[0] !== 'run') throw new Error(`not a docker run argv: ${args[0]}`);
  let name: string | undefined;
  let entrypoint: string | undefined;
  let detached = false;
  const cfg = {
    User: '',
    WorkingDir: '',
    Hostname: '',
    Env: [] as string[],
    Labels: {} as Record<string, string>,
  };
  const host: Record<string, unknown> = {
    // The CLI's explicit default; the engine would record an empty name for the same policy.
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    CapDrop: [] as string[],
    SecurityOpt: [] as string[],
    Ulimits: [] as { Name: string; Soft: number; Hard: number }[],
    Tmpfs: {} as Record<string, string>,
    Mounts: [] as ReturnType<typeof bindMount>[],
  };
  let i = 1;
  const value = (flag: string): string => {
    const v = args[++i];
    if (v === undefined) throw new Error(`${flag} without a value`);
    return v;
  };
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('-')) break; // the image
    switch (a) {
      case '--detach':
        detached = true;
        break;
      case '--name':
        name = value(a);
        break;
      case '--label': {
        const [k, v] = keyValue(value(a), a);
        cfg.Labels[k] = v;
        break;
      }
      case '--runtime':
        host.Runtime = value(a);
        break;
      case '--pull':
        // Client-side in the CLI; `create` never pulls (a missing image is a 404).
        if (value(a) !== 'never') throw new Error('--pull: only never is translated');
        break;
      case '--init':
        host.Init = true;
        break;
      case '--read-only':
        host.ReadonlyRootfs = true;
        break;
      case '--cap-drop=ALL':
        (host.CapDrop as string[]).push('ALL');
        break;
      case '--security-opt':
        (host.SecurityOpt as string[]).push(value(a));
        break;
      case '--network':
        host.NetworkMode = value(a);
        break;
      case '--ipc':
        host.IpcMode = value(a);
        break;
      case '--userns':
        // Podman only (src/sandbox/engine-select.ts): `auto`, a fresh host uid range.
        host.UsernsMode = value(a);
        break;
      case '--hostname':
        cfg.Hostname = value(a);
        break;
      case '--log-driver':
        host.LogConfig = { Type: value(a), Config: {} };
        break;
      case '--pids-limit':
        host.PidsLimit = Number(value(a));
        break;
      case '--memory':
        host.Memory = bytes(value(a), a);
        break;
      case '--memory-swap':
        host.MemorySwap = bytes(value(a), a);
        break;
      case '--cpus': {
        const cpus = Number(value(a));
        host.NanoCpus = Math.round(cpus * 1e9);
        break;
      }
      case '--ulimit': {
        const [k, v] = keyValue(value(a), a);
        const [soft, hard] = v.split(':').map(Number);
        if (!Number.isSafeInteger(soft) || !Number.isSafeInteger(hard)) throw new Error(`--ulimit: '${v}'`);
        (host.Ulimits as { Name: string; Soft: number; Hard: number }[]).push({
          Name: k,
          Soft: soft as number,
          Hard: hard as number,
        });
        break;
      }
      case '--shm-size':
        host.ShmSize = bytes(value(a), a);
        break;
      case '--tmpfs': {
        const spec = value(a);
        const colon = spec.indexOf(':');
        const target = colon === -1 ? spec : spec.slice(0, colon);
        (host.Tmpfs as Record<string, string>)[target] = colon === -1 ? '' : spec.slice(colon + 1);
        break;
      }
      case '--mount':
        (host.Mounts as ReturnType<typeof bindMount>[]).push(bindMount(value(a)));
        break;
      case '--workdir':
        cfg.WorkingDir = value(a);
        break;
      case '--env':
        cfg.Env.push(value(a));
        break;
      case '--user':
        cfg.User = value(a);
        break;
      case '--entrypoint':
        entrypoint = value(a);
        break;
      default:
        throw new Error(`docker run flag not translated to the Engine API: ${a}`);
    }
  }
  const image = args[i];
  if (!detached || name === undefined || entrypoint === undefined || image === undefined) {
    throw new Error('expected a detached, named run with an entrypoint and an image');
  }
  return {
    name,
    body: {
      Image: image,
      Entrypoint: [entrypoint],
      Cmd: args.slice(i + 1) as string[],
      ...cfg,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      OpenStdin: false,
      Tty: false,
      HostConfig: host,
    },
  };
}
