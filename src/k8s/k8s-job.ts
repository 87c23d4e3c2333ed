import { Document } from 'yaml';
import { UserError } from '../errors.js';
import type { Policy } from '../policy/index.js';
import {
  type ContainerSpec,
  containerSpecFor,
  KEEPER_GRACE_SECONDS,
  WORK_DIR,
} from '../sandbox/container-spec.js';
import { DEFAULT_CONTAINER_LABEL } from '../sandbox/profiles.js';
import type { HardenedRunSpec } from '../sandbox/types.js';
import { FLAGS_WITHOUT_COUNTERPART, K8S_COUNTERPARTS, missingCounterparts } from './flag-mapping.js';
import { GVISOR_HANDLER, type K8sObjects, renderK8s, SECCOMP_LOCALHOST_PROFILE } from './render-k8s.js';

/**
 * `airlock render k8s`: the policy's sandbox, built into a ContainerSpec by the same
 * `containerSpecFor` the Docker and Podman runs use, rendered as Kubernetes objects and
 * written as one multi-document YAML.
 */

export interface K8sJobRequest {
  policy: Policy;
  /** Profile of the policy whose limits the pods get (default: the one for level low). */
  profile?: string;
  /** The image (default: the policy's sandbox.image). */
  image?: string;
  shards: number;
  namespace: string;
  /** Each pod's wall clock (default: the profile's timeout plus the sandbox's copy-out grace). */
  deadlineSeconds?: number;
}

export interface K8sJob {
  objects: K8sObjects;
  spec: ContainerSpec;
  profile: string;
  yaml: string;
}

export const JOB_NAME = 'airlock-gate';

function profileOf(policy: Policy, requested: string | undefined) {
  const name = requested ?? policy.execute.low.profile ?? 'standard';
  const profile = policy.profiles[name];
  if (!profile) {
    throw new UserError(
      'USAGE',
      `unknown --profile '${name}' (policy ${policy.name} has: ${Object.keys(policy.profiles).join(', ')})`,
    );
  }
  // A pod's egress would need a proxy and rules this rendering has not: refused, not dropped.
  if (profile.egress && profile.egress.allow.length > 0) {
    throw new UserError(
      'EGRESS_UNAVAILABLE',
      `profile ${name} grants egress; the Kubernetes rendering denies all network (docs/scale.md): pick a profile without egress`,
    );
  }
  const { egress: _egress, ...limits } = profile;
  return { name, limits };
}

function header(req: K8sJobRequest, job: Omit<K8sJob, 'yaml'>): string {
  const gaps = FLAGS_WITHOUT_COUNTERPART.map((f) => {
    const c = K8S_COUNTERPARTS[f];
    return `   ${f}: ${'none' in c ? c.none : ''}`;
  });
  return [
    ' Airlock sandbox as Kubernetes objects, written by `airlock render k8s` (docs/scale.md).',
    // JSON-quoted: a policy name comes from a file a pull request may have written.
    ` Policy ${JSON.stringify(req.policy.name)}, profile ${job.profile}, image ${job.spec.image}, ${req.shards} shard(s).`,
    ' Checked against the Kubernetes API schema (kubernetes-models 4.5.1); not applied to a cluster by Airlock.',
    ' The cluster provides: gVisor registered as runtime handler',
    ` "${GVISOR_HANDLER}"; Airlock's seccomp profile at <kubelet root>/seccomp/${SECCOMP_LOCALHOST_PROFILE} on every`,
    ' node (`airlock render k8s --seccomp-profile F` writes it); a CNI that enforces NetworkPolicy; the',
    ' PersistentVolumeClaims airlock-workspace (the checkout) and airlock-results; the ConfigMap airlock-plan.',
    ' Hardening flags of the sandbox with no Kubernetes pod field (set them on the nodes):',
    ...gaps,
  ].join('\n');
}

/** The objects and their YAML; throws UserError for a policy or option this cannot render. */
export function renderK8sJob(req: K8sJobRequest): K8sJob {
  const { name: profile, limits } = profileOf(req.policy, req.profile);
  const run: HardenedRunSpec = {
    sandbox: {
      image: req.image ?? req.policy.sandbox.image,
      runtime: req.policy.sandbox.runtime,
      user: req.policy.sandbox.user,
      parallelism: 1,
      label: DEFAULT_CONTAINER_LABEL,
    },
    limits,
    profile,
    // A pod has no host path: the workspace is a volume (render-k8s.ts); the spec needs an absolute one.
    workDir: WORK_DIR,
    command: [],
  };
  // Owner ids tie a Docker container to the process that owns it; a Job owns its pods.
  const spec = containerSpecFor(run, {
    name: JOB_NAME,
    runId: 'k8s',
    ownerPid: 0,
    ownerStart: '0',
    ownerHost: 'kubernetes',
  });
  const objects = renderK8s(spec, {
    shards: req.shards,
    namespace: req.namespace,
    name: JOB_NAME,
    deadlineSeconds: req.deadlineSeconds ?? limits.timeoutSeconds + KEEPER_GRACE_SECONDS,
    withoutCounterpart: FLAGS_WITHOUT_COUNTERPART,
  });
  // Like assertHardeningFloor for the engines: a rendering that lost a flag is a bug, never output.
  const missing = missingCounterparts(objects, spec);
  if (missing.length > 0) {
    throw new Error(`k8s rendering lost hardening: ${missing.map((m) => `${m.flag}: ${m.why}`).join('; ')}`);
  }
  const docs = [objects.runtimeClass, objects.networkPolicy, objects.job].map(
    // No anchors: the labels object is shared, and a reader should see each value in place.
    (o) => new Document(o, { aliasDuplicateObjects: false }),
  );
  (docs[0] as Document).commentBefore = header(req, { objects, spec, profile });
  const yaml = docs.map((d) => d.toString({ lineWidth: 0 })).join('---\n');
  return { objects, spec, profile, yaml };
}
