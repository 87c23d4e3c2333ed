import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { RuntimeClass } from 'kubernetes-models/node.k8s.io/v1/RuntimeClass';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  FLAGS_WITHOUT_COUNTERPART,
  K8S_COUNTERPARTS,
  missingCounterparts,
} from '../../../src/k8s/flag-mapping.js';
import { renderK8sJob } from '../../../src/k8s/k8s-job.js';
import { cpuQuantity, type K8sObjects, NO_COUNTERPART_ANNOTATION } from '../../../src/k8s/render-k8s.js';
import { loadPolicy } from '../../../src/policy/index.js';
import { FLOOR_CHECKS, HARDENING_FLAGS, type HardeningFlag } from '../../../src/sandbox/hardening-floor.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered objects, read and edited in place field by field
type Doc = any;
/**
 * `airlock render k8s` on paper but checked: every object it writes passes the
 * Kubernetes API schema of a pinned kubernetes-models (4.5.1), and every flag of the
 * sandbox's hardening floor is either carried by a named field (and a broken field is
 * caught) or listed as having no counterpart, in the output and in docs/scale.md.
 */
const policy = await loadPolicy(undefined, { root: process.cwd() });
const render = (over: Partial<Parameters<typeof renderK8sJob>[0]> = {}) =>
  renderK8sJob({ policy, shards: 4, namespace: 'ci', ...over });

type Validating = { validate(): void };
const MODEL: Record<string, (o: never) => Validating> = {
  RuntimeClass: (o) => new RuntimeClass(o),
  NetworkPolicy: (o) => new NetworkPolicy(o),
  Job: (o) => new Job(o),
};
function validate(doc: { kind: string }): void {
  const make = MODEL[doc.kind];
  if (!make) throw new Error(`no model for kind ${doc.kind}`);
  make(doc as never).validate();
}

/** Every property name the pinned models know, for a typo check the schema validator skips. */
const KNOWN_FIELDS = (() => {
  const root = dirname(createRequire(import.meta.url).resolve('kubernetes-models/package.json'));
  const names = new Set<string>();
  for (const dir of ['v1', 'batch/v1', 'networking.k8s.io/v1', 'node.k8s.io/v1']) {
    for (const f of readdirSync(join(root, dir)).filter((n) => n.endsWith('.d.ts'))) {
      for (const m of readFileSync(join(root, dir, f), 'utf8').matchAll(/^\s+"([A-Za-z]+)"\??:/gm))
        names.add(m[1]!);
    }
  }
  // metav1 fields live in @kubernetes-models/apimachinery.
  for (const m of [
    'apiVersion',
    'kind',
    'metadata',
    'name',
    'namespace',
    'labels',
    'annotations',
    'matchLabels',
  ])
    names.add(m);
  return names;
})();
/** Maps whose keys are data, not field names. */
const MAP_FIELDS = new Set(['labels', 'annotations', 'matchLabels', 'limits', 'requests']);
function unknownFields(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => unknownFields(x, `${at}[${i}]`));
  if (!v || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => [
    ...(KNOWN_FIELDS.has(k) ? [] : [`${at}.${k}`]),
    ...(MAP_FIELDS.has(k) ? [] : unknownFields(x, `${at}.${k}`)),
  ]);
}

describe('the rendered YAML passes the Kubernetes schema of kubernetes-models 4.5.1', () => {
  it('is pinned at 4.5.1', () => {
    const pkg = createRequire(import.meta.url)('kubernetes-models/package.json') as { version: string };
    expect(pkg.version).toBe('4.5.1');
  });

  it.each([
    ['default', undefined],
    ['strict', undefined],
    ['default', 'restricted'],
  ])(
    'policy %s, profile %s: RuntimeClass, NetworkPolicy, Job, each valid, no unknown field',
    async (name, profile) => {
      const p = await loadPolicy(name, { root: process.cwd() });
      const { yaml } = renderK8sJob({
        policy: p,
        shards: 7,
        namespace: 'ci',
        ...(profile ? { profile } : {}),
      });
      const docs = parseAllDocuments(yaml).map((d) => {
        expect(d.errors).toEqual([]);
        return d.toJS() as { kind: string };
      });
      expect(docs.map((d) => d.kind)).toEqual(['RuntimeClass', 'NetworkPolicy', 'Job']);
      for (const d of docs) {
        expect(() => validate(d)).not.toThrow();
        expect(unknownFields(d)).toEqual([]);
      }
    },
  );

  it('the validator refuses a broken field: a memory limit with a unit Kubernetes does not know', () => {
    const job = structuredClone(render().objects.job) as Doc;
    expect(() => validate(job as never)).not.toThrow();
    job.spec.template.spec.containers[0].resources.limits.memory = '1024Mb';
    expect(() => validate(job as never)).toThrow(/limits\/memory must match format "quantity"/);
  });

  it.each([
    ['a uid as text', (j: Doc) => (j.spec.template.spec.securityContext.runAsUser = '10001')],
    ['shards as text', (j: Doc) => (j.spec.completions = '4')],
    ['hostUsers as text', (j: Doc) => (j.spec.template.spec.hostUsers = 'false')],
    ['a tmpfs size in MB', (j: Doc) => (j.spec.template.spec.volumes[0].emptyDir.sizeLimit = '128MB')],
  ])('the validator refuses %s', (_name, breakIt) => {
    const job = structuredClone(render().objects.job) as Doc;
    breakIt(job);
    expect(() => validate(job as never)).toThrow();
  });

  it('the typo check finds a misspelt field the schema validator lets through', () => {
    const job = structuredClone(render().objects.job) as Doc;
    job.spec.template.spec.hostUser = false;
    expect(() => validate(job as never)).not.toThrow();
    expect(unknownFields(job)).toEqual(['.spec.template.spec.hostUser']);
  });
});

describe('the Job: Indexed, one pod per shard, never retried, no token, no service links', () => {
  // Rendered in a hook, so a rendering that throws fails these tests, not the file's collection.
  let spec: ReturnType<typeof render>['spec'];
  let job: Doc;
  let pod: Doc;
  beforeAll(() => {
    const r = render({ shards: 5 });
    spec = r.spec;
    job = r.objects.job;
    pod = job.spec.template.spec;
  });

  it('completions = parallelism = shards, backoffLimit 0, restartPolicy Never', () => {
    expect(job.spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 5,
      parallelism: 5,
      backoffLimit: 0,
    });
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      activeDeadlineSeconds: 600 + 120,
    });
  });

  it("runs the gate of the pod's own shard", () => {
    const c = pod.containers[0];
    expect(c.command.slice(0, 6)).toEqual([
      'airlock',
      'gate',
      '--plan',
      '/plan/plan.json',
      '--shard',
      '$(JOB_COMPLETION_INDEX)',
    ]);
    expect(c.env[0]).toEqual({
      name: 'JOB_COMPLETION_INDEX',
      valueFrom: {
        fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
      },
    });
    expect(c.image).toBe(spec.image);
    expect(render({ image: 'reg.example/airlock@sha256:' + 'a'.repeat(64) }).objects.job).toMatchObject({
      spec: {
        template: { spec: { containers: [{ image: `reg.example/airlock@sha256:${'a'.repeat(64)}` }] } },
      },
    });
  });

  it('takes the limits of the profile it is given', () => {
    const r = render({ profile: 'restricted' }).objects.job as Doc;
    expect(r.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: '500m', memory: '512Mi' });
    expect(r.spec.template.spec.activeDeadlineSeconds).toBe(120 + 120);
    expect(
      (render({ deadlineSeconds: 9000 }).objects.job as Doc).spec.template.spec.activeDeadlineSeconds,
    ).toBe(9000);
  });

  it('refuses what it cannot render faithfully', () => {
    expect(() => cpuQuantity(500_000)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => render({ shards: 0 })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => render({ namespace: 'Not_A_Label' })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => render({ profile: 'nope' })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('every hardening flag of the floor has its Kubernetes counterpart or says it has none', () => {
  it("the mapping is keyed by exactly the floor's flags (a new floor flag fails here until mapped)", () => {
    expect(Object.keys(FLOOR_CHECKS).sort()).toEqual([...HARDENING_FLAGS].sort());
    expect(Object.keys(K8S_COUNTERPARTS).sort()).toEqual([...HARDENING_FLAGS].sort());
  });

  it('the rendered objects carry every mapped flag', () => {
    const { objects, spec } = render();
    expect(missingCounterparts(objects, spec)).toEqual([]);
  });

  // One way to lose each mapped flag in the objects; a mapped flag without a breaker fails below.
  const BREAK: Partial<Record<HardeningFlag, (o: Doc) => void>> = {
    readOnlyRootfs: (o) =>
      (o.job.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false),
    capDropAll: (o) =>
      (o.job.spec.template.spec.containers[0].securityContext.capabilities.add = ['NET_RAW']),
    noNewPrivileges: (o) =>
      (o.job.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true),
    seccompProfile: (o) => {
      o.job.spec.template.spec.securityContext.seccompProfile = { type: 'RuntimeDefault' };
      o.job.spec.template.spec.containers[0].securityContext.seccompProfile = undefined;
    },
    networkNone: (o) => (o.networkPolicy.spec.egress = [{}]),
    ipcPrivate: (o) => (o.job.spec.template.spec.hostIPC = true),
    nonRootUser: (o) => (o.job.spec.template.spec.containers[0].securityContext.runAsUser = 0),
    memoryLimit: (o) => (o.job.spec.template.spec.containers[0].resources.limits.memory = '2048Mi'),
    noSwap: (o) =>
      (o.job.spec.template.spec.containers[0].resources.requests = { cpu: '100m', memory: '64Mi' }),
    cpuLimit: (o) => delete o.job.spec.template.spec.containers[0].resources.limits.cpu,
    shmSize: (o) =>
      (o.job.spec.template.spec.volumes.find((v: Doc) => v.name === 'shm').emptyDir.medium = ''),
    tmpfsSizes: (o) => delete o.job.spec.template.spec.volumes[1].emptyDir.sizeLimit,
    tmpfsWithinMemory: (o) => (o.job.spec.template.spec.volumes[0].emptyDir.sizeLimit = '4096Mi'),
    readOnlyMounts: (o) =>
      (o.job.spec.template.spec.containers[0].volumeMounts.find((m: Doc) => m.name === 'workspace').readOnly =
        false),
    runtime: (o) => (o.job.spec.template.spec.runtimeClassName = 'runc'),
    userNamespaces: (o) => (o.job.spec.template.spec.hostUsers = true),
  };
  const mapped = HARDENING_FLAGS.filter((f) => 'holds' in (K8S_COUNTERPARTS[f] ?? {}));

  it.each(mapped)('%s: breaking its field is caught', (flag) => {
    const breakIt = BREAK[flag];
    expect(breakIt, `no breaker for mapped flag ${flag}`).toBeDefined();
    const { objects, spec } = render();
    const broken = structuredClone(objects) as Doc;
    breakIt!(broken);
    expect(missingCounterparts(broken as unknown as K8sObjects, spec).map((m) => m.flag)).toContain(flag);
  });

  it('the flags without a counterpart are listed on the Job, in the YAML header and in docs/scale.md', () => {
    expect(FLAGS_WITHOUT_COUNTERPART).toEqual(['pidsLimit', 'ulimits']);
    const { objects, yaml } = render();
    expect((objects.job.metadata.annotations as Record<string, string>)[NO_COUNTERPART_ANNOTATION]).toBe(
      'pidsLimit,ulimits',
    );
    for (const f of FLAGS_WITHOUT_COUNTERPART)
      expect(yaml).toMatch(new RegExp(`^#\\s+${f}: no pod field`, 'm'));
  });

  it("docs/scale.md's table names every flag of the floor", () => {
    const doc = readFileSync('docs/scale.md', 'utf8');
    for (const f of HARDENING_FLAGS)
      expect({ flag: f, inDocs: doc.includes(`| \`${f}\` |`) }).toEqual({ flag: f, inDocs: true });
  });
});

/**
 * The YAML for the shipped default policy, byte for byte. After an intended change:
 *   UPDATE_GOLDEN=1 npx vitest run test/unit/k8s/render-k8s.test.ts
 */
describe('golden: airlock render k8s --shards 4 --namespace ci for the default policy', () => {
  const GOLDEN = 'test/fixtures/k8s/default-policy.yaml';
  it('matches test/fixtures/k8s/default-policy.yaml', () => {
    const { yaml } = render();
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, yaml);
    expect(yaml).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
