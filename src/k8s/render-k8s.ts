import { UserError } from '../errors.js';
import { type ContainerSpec, WORK_DIR } from '../sandbox/container-spec.js';

/**
 * The sandbox's ContainerSpec as Kubernetes objects: a RuntimeClass for gVisor, a
 * deny-all NetworkPolicy and an Indexed Job whose pod N gates shard N of a plan. A pure
 * rendering of the spec, like render-create-request.ts (Engine API) and
 * render-run-argv.ts (`docker run`); src/k8s/flag-mapping.ts says, per hardening flag
 * of the floor, which field carries it here or why nothing can.
 *
 * What is the cluster's to provide, named but not created here: the images, a
 * PersistentVolumeClaim with the checkout (`airlock-workspace`, mounted read-only at
 * /work), one for the shards' results (`airlock-results`, each pod sees only its own
 * sub-directory), a ConfigMap with the plan (`airlock-plan`, key plan.json), and
 * Airlock's seccomp profile installed on every node (docs/scale.md).
 */

export const GVISOR_RUNTIME_CLASS = 'gvisor';
/** The handler name containerd / CRI-O register gVisor under (gvisor.dev's install docs). */
export const GVISOR_HANDLER = 'runsc';
/** Relative to the kubelet's seccomp root (default /var/lib/kubelet/seccomp). */
export const SECCOMP_LOCALHOST_PROFILE = 'airlock/seccomp.json';
export const PLAN_DIR = '/plan';
export const RESULTS_DIR = '/results';
export const WORKSPACE_CLAIM = 'airlock-workspace';
export const RESULTS_CLAIM = 'airlock-results';
export const PLAN_CONFIG_MAP = 'airlock-plan';
/** Annotation listing the floor's flags Kubernetes has no pod field for (flag-mapping.ts). */
export const NO_COUNTERPART_ANNOTATION = 'org.airlock/hardening-without-counterpart';
/** Kubernetes caps an Indexed Job's completions at 100,000; a plan has far fewer shards. */
export const MAX_SHARDS = 100_000;

const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MIB = 1024 * 1024;

export interface K8sRenderOptions {
  /** Number of shards: the Job's completions and parallelism. */
  shards: number;
  namespace: string;
  /** Name of the Job, the NetworkPolicy and the pods' selector label. */
  name: string;
  /**
   * Each pod's wall clock (activeDeadlineSeconds): from the profile's timeout plus the
   * sandbox's copy-out grace, raised by the caller for a shard of many scripts.
   */
  deadlineSeconds: number;
  /** The floor's flags without a Kubernetes counterpart, recorded on the Job. */
  withoutCounterpart: readonly string[];
}

/** Plain objects in the API's shape; the tests validate them with kubernetes-models. */
export type K8sObject = { apiVersion: string; kind: string; metadata: Record<string, unknown> } & Record<
  string,
  unknown
>;

export interface K8sObjects {
  runtimeClass: K8sObject;
  networkPolicy: K8sObject;
  job: K8sObject;
}

/** Bytes as a Kubernetes quantity: whole MiB as `128Mi`, else plain bytes. */
export function bytesQuantity(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB}Mi` : String(bytes);
}

/** NanoCpus as millicores: Kubernetes' CPU resolution is 1m, so a finer quota is refused, not rounded. */
export function cpuQuantity(nanoCpus: number): string {
  if (nanoCpus % 1e6 !== 0) {
    throw new UserError(
      'INPUT_INVALID',
      `cpus ${nanoCpus / 1e9} is finer than Kubernetes' 1m (0.001 CPU) resolution: use a multiple of 0.001`,
    );
  }
  return `${nanoCpus / 1e6}m`;
}

/** A volume name from a mount path: /var/tmp -> tmpfs-var-tmp. */
const volumeName = (prefix: string, target: string) => `${prefix}-${target.slice(1).replaceAll('/', '-')}`;

function checkOptions(o: K8sRenderOptions): void {
  if (!Number.isSafeInteger(o.deadlineSeconds) || o.deadlineSeconds < 1) {
    throw new UserError(
      'USAGE',
      `the deadline must be a whole number of seconds >= 1, got ${o.deadlineSeconds}`,
    );
  }
  if (!Number.isSafeInteger(o.shards) || o.shards < 1 || o.shards > MAX_SHARDS) {
    throw new UserError('USAGE', `shards must be an integer from 1 to ${MAX_SHARDS}, got ${o.shards}`);
  }
  for (const [what, v] of [
    ['namespace', o.namespace],
    ['name', o.name],
  ] as const) {
    if (!NAME_RE.test(v)) {
      throw new UserError('USAGE', `${what} must be a DNS label (a-z, 0-9, '-', at most 63), got '${v}'`);
    }
  }
}

/** The pod's one container: the gate of shard $(JOB_COMPLETION_INDEX), hardened like the sandbox. */
function gateContainer(spec: ContainerSpec): Record<string, unknown> {
  const l = spec.limits;
  const limits = { cpu: cpuQuantity(l.nanoCpus), memory: bytesQuantity(l.memoryBytes) };
  const work = spec.mounts.find((m) => m.target === WORK_DIR);
  const others = spec.mounts.filter((m) => m.target !== WORK_DIR);
  // A host bind mount has no safe pod counterpart (hostPath reaches the node): refused.
  if (!work || others.length > 0) {
    throw new UserError(
      'INPUT_INVALID',
      `the Kubernetes rendering mounts only the workspace at ${WORK_DIR}; this spec also binds ${others.map((m) => m.target).join(', ')}`,
    );
  }
  return {
    name: 'gate',
    image: spec.image,
    imagePullPolicy: 'IfNotPresent',
    command: [
      'airlock',
      'gate',
      '--plan',
      `${PLAN_DIR}/plan.json`,
      '--shard',
      // Expanded by the kubelet from the env var below: this pod's index.
      '$(JOB_COMPLETION_INDEX)',
      '--report',
      `${RESULTS_DIR}/report.json`,
      '--sarif',
      `${RESULTS_DIR}/airlock.sarif`,
      '--audit-log',
      `${RESULTS_DIR}/audit.log`,
    ],
    workingDir: spec.workdir,
    env: [
      {
        name: 'JOB_COMPLETION_INDEX',
        valueFrom: {
          fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
        },
      },
      ...spec.env.map(([name, value]) => ({ name, value })),
    ],
    // requests = limits: the Guaranteed QoS class, which never gets swap (noSwap).
    resources: { limits, requests: { ...limits } },
    securityContext: {
      readOnlyRootFilesystem: spec.readonlyRootfs,
      allowPrivilegeEscalation: !spec.securityOpt.includes('no-new-privileges'),
      privileged: false,
      capabilities: { drop: [...spec.capDrop] },
      runAsNonRoot: true,
      runAsUser: spec.user.uid,
      runAsGroup: spec.user.gid,
      seccompProfile: { type: 'Localhost', localhostProfile: SECCOMP_LOCALHOST_PROFILE },
    },
    volumeMounts: [
      ...spec.tmpfs.map((t) => ({ name: volumeName('tmpfs', t.target), mountPath: t.target })),
      { name: 'shm', mountPath: '/dev/shm' },
      { name: 'workspace', mountPath: WORK_DIR, readOnly: work.readOnly },
      { name: 'plan', mountPath: PLAN_DIR, readOnly: true },
      // The one writable mount besides the tmpfs: each shard's own sub-directory.
      { name: 'results', mountPath: RESULTS_DIR, subPathExpr: 'shard-$(JOB_COMPLETION_INDEX)' },
    ],
  };
}

function volumes(spec: ContainerSpec): Record<string, unknown>[] {
  return [
    // medium Memory is a tmpfs charged to the pod's memory, like the sandbox's (tmpfsWithinMemory).
    ...spec.tmpfs.map((t) => ({
      name: volumeName('tmpfs', t.target),
      emptyDir: { medium: 'Memory', sizeLimit: bytesQuantity(t.sizeBytes) },
    })),
    { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: bytesQuantity(spec.limits.shmBytes) } },
    { name: 'workspace', persistentVolumeClaim: { claimName: WORKSPACE_CLAIM, readOnly: true } },
    { name: 'plan', configMap: { name: PLAN_CONFIG_MAP, items: [{ key: 'plan.json', path: 'plan.json' }] } },
    { name: 'results', persistentVolumeClaim: { claimName: RESULTS_CLAIM } },
  ];
}

export function renderK8s(spec: ContainerSpec, o: K8sRenderOptions): K8sObjects {
  checkOptions(o);
  const labels = { 'app.kubernetes.io/name': 'airlock', 'app.kubernetes.io/component': o.name };
  const meta = (name: string) => ({ name, namespace: o.namespace, labels });
  return {
    // Cluster-scoped: one per cluster, shared by every namespace's Jobs.
    runtimeClass: {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: GVISOR_RUNTIME_CLASS, labels: { 'app.kubernetes.io/name': 'airlock' } },
      handler: GVISOR_HANDLER,
    },
    // Both directions listed with no rule: nothing in, nothing out (the sandbox's --network none).
    networkPolicy: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(`${o.name}-deny-all`),
      spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress', 'Egress'] },
    },
    job: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        ...meta(o.name),
        annotations: { [NO_COUNTERPART_ANNOTATION]: o.withoutCounterpart.join(',') },
      },
      spec: {
        completionMode: 'Indexed',
        completions: o.shards,
        parallelism: o.shards,
        // A failed shard is the gate's verdict or a broken run: never retried into a pass.
        backoffLimit: 0,
        template: {
          metadata: { labels },
          spec: {
            runtimeClassName: GVISOR_RUNTIME_CLASS,
            restartPolicy: 'Never',
            activeDeadlineSeconds: o.deadlineSeconds,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            hostUsers: spec.usernsMode === 'host',
            hostNetwork: false,
            hostPID: false,
            hostIPC: spec.ipc !== 'private',
            hostname: spec.hostname,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: spec.user.uid,
              runAsGroup: spec.user.gid,
              seccompProfile: { type: 'Localhost', localhostProfile: SECCOMP_LOCALHOST_PROFILE },
            },
            containers: [gateContainer(spec)],
            volumes: volumes(spec),
          },
        },
      },
    },
  };
}
