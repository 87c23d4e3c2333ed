import type { ContainerSpec } from '../sandbox/container-spec.js';
import { type HardeningFlag, HARDENING_FLAGS } from '../sandbox/hardening-floor.js';
import {
  bytesQuantity,
  cpuQuantity,
  GVISOR_HANDLER,
  GVISOR_RUNTIME_CLASS,
  type K8sObjects,
  SECCOMP_LOCALHOST_PROFILE,
} from './render-k8s.js';

/**
 * Each flag of the sandbox's hardening floor (src/sandbox/hardening-floor.ts) and what
 * carries it in the rendered Kubernetes objects, with a check that it is there, or the
 * plain statement that Kubernetes has no pod-level field for it. Keyed by the floor's
 * own list: a new floor flag does not compile until it is given one or the other.
 * `renderK8sFor` runs every check on its own output; docs/scale.md prints this table.
 */

export type Counterpart =
  | {
      /** The Kubernetes fields, as docs/scale.md shows them. */
      fields: string;
      /** Why the rendered objects do not carry the flag, or null when they do. */
      holds: (o: K8sObjects, spec: ContainerSpec) => string | null;
    }
  | {
      /** Why there is no pod field, and what a cluster operator does instead. */
      none: string;
    };

interface SecurityContext {
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  seccompProfile?: { type?: string; localhostProfile?: string };
}
interface Volume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  configMap?: unknown;
}
interface Container {
  securityContext?: SecurityContext;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  runtimeClassName?: string;
  hostUsers?: boolean;
  hostNetwork?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext;
  containers: Container[];
  volumes?: Volume[];
}

function pod(o: K8sObjects): PodSpec {
  return (o.job.spec as { template: { spec: PodSpec } }).template.spec;
}
const gate = (o: K8sObjects): Container => pod(o).containers[0] ?? {};
/** The container's setting, else the pod's (Kubernetes' own precedence). */
function effective<K extends keyof SecurityContext>(o: K8sObjects, key: K): SecurityContext[K] {
  return gate(o).securityContext?.[key] ?? pod(o).securityContext?.[key];
}
const expect = (ok: boolean, why: string): string | null => (ok ? null : why);

/** The emptyDir of the volume mounted at `path`, if any. */
function memoryVolumeAt(o: K8sObjects, path: string): Volume['emptyDir'] | undefined {
  const mount = gate(o).volumeMounts?.find((m) => m.mountPath === path);
  return pod(o).volumes?.find((v) => v.name === mount?.name)?.emptyDir;
}

/** Sum of the memory-backed emptyDirs, in bytes (only quantities bytesQuantity writes). */
function memoryVolumeBytes(o: K8sObjects): number {
  let sum = 0;
  for (const v of pod(o).volumes ?? []) {
    if (v.emptyDir?.medium !== 'Memory') continue;
    const m = /^(\d+)(Mi)?$/.exec(v.emptyDir.sizeLimit ?? '');
    // An emptyDir without a size, or one we cannot read, counts as unbounded.
    sum += m ? Number(m[1]) * (m[2] ? 1024 * 1024 : 1) : Number.POSITIVE_INFINITY;
  }
  return sum;
}

export const K8S_COUNTERPARTS: Record<HardeningFlag, Counterpart> = {
  readOnlyRootfs: {
    fields: 'securityContext.readOnlyRootFilesystem: true',
    holds: (o) =>
      expect(effective(o, 'readOnlyRootFilesystem') === true, 'readOnlyRootFilesystem is not true'),
  },
  capDropAll: {
    fields: 'securityContext.capabilities.drop: [ALL], no add',
    holds: (o) => {
      const caps = gate(o).securityContext?.capabilities;
      return expect(
        caps?.drop?.length === 1 && caps.drop[0] === 'ALL' && !caps.add?.length,
        'capabilities are not drop [ALL] with nothing added',
      );
    },
  },
  noNewPrivileges: {
    fields: 'securityContext.allowPrivilegeEscalation: false, privileged: false',
    holds: (o) =>
      expect(
        effective(o, 'allowPrivilegeEscalation') === false && effective(o, 'privileged') !== true,
        'allowPrivilegeEscalation is not false (or the container is privileged)',
      ),
  },
  seccompProfile: {
    fields: `securityContext.seccompProfile: Localhost ${SECCOMP_LOCALHOST_PROFILE} (Airlock's profile installed on each node)`,
    holds: (o) => {
      const p = effective(o, 'seccompProfile');
      return expect(
        p?.type === 'Localhost' && p.localhostProfile === SECCOMP_LOCALHOST_PROFILE,
        `seccompProfile is not Localhost ${SECCOMP_LOCALHOST_PROFILE}`,
      );
    },
  },
  networkNone: {
    fields: 'NetworkPolicy selecting the pods, policyTypes [Ingress, Egress], no rules; hostNetwork: false',
    holds: (o, _spec) => {
      const np = o.networkPolicy.spec as {
        podSelector?: { matchLabels?: Record<string, string> };
        policyTypes?: string[];
        ingress?: unknown[];
        egress?: unknown[];
      };
      const podLabels = (o.job.spec as { template: { metadata: { labels: Record<string, string> } } })
        .template.metadata.labels;
      const selects = Object.entries(np.podSelector?.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v);
      const both = ['Ingress', 'Egress'].every((t) => np.policyTypes?.includes(t));
      return expect(
        selects &&
          Object.keys(np.podSelector?.matchLabels ?? {}).length > 0 &&
          both &&
          !np.ingress?.length &&
          !np.egress?.length &&
          pod(o).hostNetwork !== true,
        'the NetworkPolicy does not deny all ingress and egress of the Job pods',
      );
    },
  },
  ipcPrivate: {
    fields: 'hostIPC: false',
    holds: (o) => expect(pod(o).hostIPC === false, 'hostIPC is not false'),
  },
  nonRootUser: {
    fields: 'securityContext.runAsNonRoot: true, runAsUser, runAsGroup (the script user of the spec)',
    holds: (o, spec) =>
      expect(
        effective(o, 'runAsNonRoot') === true &&
          effective(o, 'runAsUser') === spec.user.uid &&
          effective(o, 'runAsGroup') === spec.user.gid,
        `runAsNonRoot/runAsUser/runAsGroup are not true/${spec.user.uid}/${spec.user.gid}`,
      ),
  },
  memoryLimit: {
    fields: 'resources.limits.memory (requests equal)',
    holds: (o, spec) => {
      const r = gate(o).resources;
      const want = bytesQuantity(spec.limits.memoryBytes);
      return expect(
        r?.limits?.memory === want && r.requests?.memory === want,
        `memory limit/request is not ${want}`,
      );
    },
  },
  noSwap: {
    fields: 'requests = limits (Guaranteed QoS: no swap even where the node enables it)',
    holds: (o) => {
      const r = gate(o).resources;
      return expect(
        !!r?.limits &&
          ['cpu', 'memory'].every((k) => r.limits?.[k] !== undefined && r.limits[k] === r.requests?.[k]),
        'requests differ from limits: the pod is not Guaranteed QoS and may be given swap',
      );
    },
  },
  cpuLimit: {
    fields: 'resources.limits.cpu in millicores (requests equal)',
    holds: (o, spec) => {
      const r = gate(o).resources;
      const want = cpuQuantity(spec.limits.nanoCpus);
      return expect(r?.limits?.cpu === want && r.requests?.cpu === want, `cpu limit/request is not ${want}`);
    },
  },
  pidsLimit: {
    none: "no pod field: the kubelet bounds pids per pod (podPidsLimit in its KubeletConfiguration); set it on the nodes that run these Jobs, no higher than the profile's pids plus the gate's own",
  },
  shmSize: {
    fields: 'emptyDir medium Memory with sizeLimit mounted at /dev/shm',
    holds: (o, spec) => {
      const d = memoryVolumeAt(o, '/dev/shm');
      const want = bytesQuantity(spec.limits.shmBytes);
      return expect(
        d?.medium === 'Memory' && d.sizeLimit === want,
        `/dev/shm is not a ${want} Memory emptyDir`,
      );
    },
  },
  ulimits: {
    none: "no pod field for rlimits (nofile, fsize, core): they are the container runtime's defaults on the node (containerd/CRI-O configuration); the memory volumes' sizeLimit bounds what a script writes in total, not one file's size",
  },
  tmpfsSizes: {
    fields: 'one emptyDir medium Memory with sizeLimit per tmpfs of the spec (/tmp, /var/tmp, /run, /out)',
    holds: (o, spec) => {
      for (const t of spec.tmpfs) {
        const d = memoryVolumeAt(o, t.target);
        const want = bytesQuantity(t.sizeBytes);
        if (d?.medium !== 'Memory' || d.sizeLimit !== want)
          return `${t.target} is not a ${want} Memory emptyDir`;
      }
      return null;
    },
  },
  tmpfsWithinMemory: {
    fields: "the Memory emptyDirs' sizeLimits add up to less than the memory limit (they are charged to it)",
    holds: (o, spec) => {
      const sum = memoryVolumeBytes(o);
      const limit = spec.limits.memoryBytes;
      return expect(
        sum < limit,
        `the Memory emptyDirs can hold ${sum} bytes, not below the memory limit ${limit}`,
      );
    },
  },
  readOnlyMounts: {
    fields: 'volumeMounts readOnly: true for the workspace and the plan (the claim itself readOnly too)',
    holds: (o) => {
      const writable = (gate(o).volumeMounts ?? []).filter((m) => {
        const v = pod(o).volumes?.find((x) => x.name === m.name);
        // The tmpfs volumes and the shard's own results directory are the writable places.
        return !v?.emptyDir && m.name !== 'results' && m.readOnly !== true;
      });
      return expect(writable.length === 0, `writable mounts: ${writable.map((m) => m.mountPath).join(', ')}`);
    },
  },
  runtime: {
    fields: `runtimeClassName: ${GVISOR_RUNTIME_CLASS} (RuntimeClass handler ${GVISOR_HANDLER}); runc is raised to gVisor: a pod shares its node with other tenants`,
    holds: (o) =>
      expect(
        pod(o).runtimeClassName === GVISOR_RUNTIME_CLASS &&
          o.runtimeClass.metadata.name === GVISOR_RUNTIME_CLASS &&
          o.runtimeClass.handler === GVISOR_HANDLER,
        `the pods do not run under the ${GVISOR_RUNTIME_CLASS} RuntimeClass (handler ${GVISOR_HANDLER})`,
      ),
  },
  userNamespaces: {
    fields: 'hostUsers: false (a user namespace per pod; needs a node and runtime that support it)',
    holds: (o) => expect(pod(o).hostUsers === false, 'hostUsers is not false'),
  },
};

/** The floor's flags Kubernetes has no pod field for, in the floor's order. */
export const FLAGS_WITHOUT_COUNTERPART: readonly HardeningFlag[] = HARDENING_FLAGS.filter(
  (f) => 'none' in (K8S_COUNTERPARTS[f] ?? {}),
);

/** Every flag with a counterpart that the objects do not carry: [] when all hold. */
export function missingCounterparts(
  o: K8sObjects,
  spec: ContainerSpec,
): { flag: HardeningFlag; why: string }[] {
  const missing: { flag: HardeningFlag; why: string }[] = [];
  for (const flag of HARDENING_FLAGS) {
    const c = K8S_COUNTERPARTS[flag] as Counterpart | undefined;
    // A floor flag the table lacks is a lost flag too (tsc refuses it; this is for JS callers).
    const why =
      c === undefined
        ? 'no Kubernetes counterpart or "no counterpart" entry'
        : 'holds' in c
          ? c.holds(o, spec)
          : null;
    if (why !== null) missing.push({ flag, why });
  }
  return missing;
}
