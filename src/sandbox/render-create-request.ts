import {
  type ContainerSpec,
  renderUser,
  TMPFS_MODE,
  TMPFS_OPTIONS,
  type TmpfsMount,
} from './container-spec.js';

/**
 * The Engine API request (`POST /containers/create?name=...`) for a ContainerSpec: a
 * pure rendering, tested field by field against a table. Mounts are the API's
 * structured `Mounts`, so a host path is passed as it is, commas and quotes included
 * (the CLI's `--mount` CSV needed them refused). Docker's and Podman's compatible API
 * take the same body.
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

/** A byte count as the engine and the CLI read sizes: whole MiB as `128m`, else bytes. */
export function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)}m` : `${bytes}b`;
}

/** The tmpfs mount options the engine passes to mount(2). */
export function tmpfsOptions(t: TmpfsMount): string {
  return [...TMPFS_OPTIONS, `size=${sizeText(t.sizeBytes)}`, `mode=${TMPFS_MODE}`].join(',');
}

export function renderCreateRequest(spec: ContainerSpec): CreateRequest {
  const l = spec.limits;
  return {
    name: spec.name,
    body: {
      Image: spec.image,
      Entrypoint: [...spec.entrypoint],
      Cmd: [...spec.cmd],
      // The container's main process is the keeper; the script runs by exec as spec.user.
      User: renderUser(spec.keeperUser),
      WorkingDir: spec.workdir,
      Hostname: spec.hostname,
      Env: spec.env.map(([k, v]) => `${k}=${v}`),
      Labels: { ...spec.labels },
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      OpenStdin: false,
      Tty: false,
      HostConfig: {
        // Never restarted: a container ends with its keeper and is removed by us.
        RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
        Runtime: spec.runtime,
        Init: spec.init,
        ReadonlyRootfs: spec.readonlyRootfs,
        CapDrop: [...spec.capDrop],
        SecurityOpt: [...spec.securityOpt],
        NetworkMode: spec.network,
        IpcMode: spec.ipc,
        LogConfig: { Type: spec.logDriver, Config: {} },
        PidsLimit: l.pids,
        Memory: l.memoryBytes,
        MemorySwap: l.memorySwapBytes,
        NanoCpus: l.nanoCpus,
        ShmSize: l.shmBytes,
        Ulimits: l.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
        Tmpfs: Object.fromEntries(spec.tmpfs.map((t) => [t.target, tmpfsOptions(t)])),
        Mounts: spec.mounts.map((m) => ({
          Type: 'bind',
          Source: m.source,
          Target: m.target,
          ReadOnly: m.readOnly,
        })),
        ...(spec.usernsMode === undefined ? {} : { UsernsMode: spec.usernsMode }),
      },
    },
  };
}
