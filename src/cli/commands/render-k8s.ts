import path from 'node:path';
import { UserError } from '../../errors.js';
import { ensureParentInCwd } from '../../gate/real-dirs.js';
import { JOB_NAME, renderK8sJob } from '../../k8s/k8s-job.js';
import { MAX_SHARDS } from '../../k8s/render-k8s.js';
import { loadPolicy, resolvePolicyRef } from '../../policy/index.js';
import { writeOutputFile } from '../../report/write-json.js';
import { AIRLOCK_SECCOMP_PROFILE } from '../../sandbox/seccomp-profile.js';
import { parseCommandArgs } from '../args.js';
import { type CliCommand, EXIT_OK } from '../command.js';

const usage = `Usage: airlock render k8s --shards N [--policy F] [--image REF] [--namespace NS]
                         [--profile NAME] [--deadline SECONDS] [-o FILE]
                         [--seccomp-profile FILE]

Writes the policy's sandbox as Kubernetes objects (multi-document YAML): a gVisor
RuntimeClass, a deny-all NetworkPolicy, and an Indexed Job of N pods, pod I running
\`airlock gate --plan /plan/plan.json --shard I\` with the securityContext, resources
and memory-backed volumes of the sandbox container. Flags of the sandbox Kubernetes
has no pod field for are listed in the output. Nothing is applied to a cluster.
docs/scale.md says what the cluster must provide.

Options:
  --shards N         number of shards: the Job's completions and parallelism (1-${MAX_SHARDS})
  --policy F         policy file, or a shipped name: default, strict (default: default)
  --image REF        the pods' image (default: the policy's sandbox.image); pin a digest
  --namespace NS     namespace of the Job and NetworkPolicy (default: default)
  --profile NAME     profile whose limits the pods get (default: the one for level low)
  --deadline S       each pod's activeDeadlineSeconds (default: the profile's
                     timeoutSeconds + 120 s; raise it for shards of many scripts)
  -o, --output FILE  write the YAML to FILE (default: stdout)
  --seccomp-profile FILE  also write Airlock's seccomp profile (JSON) to FILE, to install
                     on the nodes as <kubelet root>/seccomp/airlock/seccomp.json

Exit status: 0 written; 2 usage or policy error.`;

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(text)) {
    throw new UserError('USAGE', `${flag} must be a whole number >= 1, got '${text}'\n\n${usage}`);
  }
  return Number(text);
}

/** A file the user named: inside the checkout no committed symlink may redirect the write. */
async function writeNamed(io: { cwd: string }, file: string, flag: string, text: string): Promise<string> {
  const target = path.resolve(io.cwd, file);
  await ensureParentInCwd(io.cwd, target, flag);
  await writeOutputFile(target, text);
  return target;
}

export const renderK8sCommand: CliCommand = {
  name: 'render k8s',
  summary: 'write the sandbox as a Kubernetes Indexed Job (gVisor, deny-all network)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        shards: { type: 'string' },
        policy: { type: 'string' },
        image: { type: 'string' },
        namespace: { type: 'string' },
        profile: { type: 'string' },
        deadline: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'seccomp-profile': { type: 'string' },
      },
      usage,
    );
    if (positionals.length > 0)
      throw new UserError('USAGE', `unexpected argument '${positionals[0]}'\n\n${usage}`);
    const shards = positiveInt('--shards', values.shards);
    if (shards === undefined) throw new UserError('USAGE', `--shards N is required\n\n${usage}`);
    if (values.image !== undefined && (!values.image.trim() || values.image.startsWith('-'))) {
      throw new UserError('USAGE', `invalid --image '${values.image}'`);
    }
    const policy = await loadPolicy(
      values.policy === undefined ? undefined : resolvePolicyRef(values.policy, io.cwd),
      { root: io.cwd },
    );
    const job = renderK8sJob({
      policy,
      shards,
      namespace: values.namespace ?? 'default',
      ...(values.profile !== undefined ? { profile: values.profile } : {}),
      ...(values.image !== undefined ? { image: values.image } : {}),
      ...(values.deadline !== undefined
        ? { deadlineSeconds: positiveInt('--deadline', values.deadline) }
        : {}),
    });
    if (values['seccomp-profile'] !== undefined) {
      const file = await writeNamed(
        io,
        values['seccomp-profile'],
        '--seccomp-profile',
        `${JSON.stringify(AIRLOCK_SECCOMP_PROFILE, null, 2)}\n`,
      );
      io.stderr(`airlock render k8s: wrote the seccomp profile to ${file}\n`);
    }
    if (values.output === undefined) {
      io.stdout(job.yaml);
    } else {
      const file = await writeNamed(io, values.output, '--output', job.yaml);
      io.stderr(
        `airlock render k8s: wrote RuntimeClass, NetworkPolicy and Job ${JOB_NAME} (${shards} shard(s), profile ${job.profile}) to ${file}\n`,
      );
    }
    return EXIT_OK;
  },
};
