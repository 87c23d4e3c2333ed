import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AIRLOCK_SECCOMP_PROFILE } from '../../../src/sandbox/seccomp-profile.js';
import { runCli } from '../../helpers/cli-capture.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered objects, read and edited in place field by field
type Doc = any;
/**
 * `airlock render k8s` as a user runs it: a real process from the sources (argv, exit
 * status, stdout), then the command's file outputs and usage errors through main().
 */
const REPO = resolve(import.meta.dirname, '../../..');
/** tsx's loader by path: the process runs in a workspace that has no node_modules. */
const TSX = pathToFileURL(join(REPO, 'node_modules/tsx/dist/loader.mjs')).href;
let ws: string;
beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'airlock-render-k8s-'));
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

const docsOf = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as Doc);

describe('airlock render k8s', () => {
  it('as a process: prints the three documents for --shards 3, exit 0', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        TSX,
        join(REPO, 'src/cli/index.ts'),
        'render',
        'k8s',
        '--shards',
        '3',
        '--namespace',
        'gates',
      ],
      { cwd: ws, env: { PATH: process.env.PATH } },
    );
    const docs = docsOf(stdout);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'RuntimeClass/gvisor',
      'NetworkPolicy/airlock-gate-deny-all',
      'Job/airlock-gate',
    ]);
    expect(docs[2]).toMatchObject({
      metadata: { namespace: 'gates' },
      spec: { completions: 3, parallelism: 3 },
    });
    expect(() => new Job(docs[2] as never).validate()).not.toThrow();
  });

  it('-o writes the YAML to the file and --seccomp-profile the profile the engines use', async () => {
    const r = await runCli(
      [
        'render',
        'k8s',
        '--shards',
        '2',
        '--policy',
        'strict',
        '--image',
        'reg.example/a:1',
        '-o',
        'k8s/job.yaml',
        '--seccomp-profile',
        'k8s/seccomp.json',
      ],
      ws,
    );
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toContain('k8s/job.yaml');
    const job = docsOf(readFileSync(join(ws, 'k8s/job.yaml'), 'utf8'))[2]!;
    expect(job.spec.template.spec.containers[0].image).toBe('reg.example/a:1');
    expect(JSON.parse(readFileSync(join(ws, 'k8s/seccomp.json'), 'utf8'))).toEqual(AIRLOCK_SECCOMP_PROFILE);
  });

  it('does not write through a symlinked folder inside the workspace', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'airlock-render-k8s-outside-'));
    symlinkSync(outside, join(ws, 'linked'));
    const r = await runCli(['render', 'k8s', '--shards', '1', '-o', 'linked/job.yaml'], ws);
    expect(r.code).toBe(2);
    expect(() => readFileSync(join(outside, 'job.yaml'))).toThrow();
    rmSync(outside, { recursive: true, force: true });
  });

  it.each([
    [['render', 'k8s'], /USAGE: --shards N is required/],
    [['render', 'k8s', '--shards', '0'], /USAGE: --shards must be a whole number >= 1, got '0'/],
    [['render', 'k8s', '--shards', 'four'], /--shards must be a whole number/],
    [['render', 'k8s', '--shards', '200000'], /shards must be an integer from 1 to 100000/],
    [['render', 'k8s', '--shards', '2', '--namespace', 'Prod_NS'], /namespace must be a DNS label/],
    [
      ['render', 'k8s', '--shards', '2', '--profile', 'huge'],
      /unknown --profile 'huge' \(policy default has: standard, restricted\)/,
    ],
    [
      ['render', 'k8s', '--shards', '2', '--deadline', '1.5'],
      /--deadline must be a whole number >= 1, got '1.5'/,
    ],
    [['render', 'k8s', '--shards', '2', '--image', '--privileged'], /--image/],
    [['render', 'k8s', '--shards', '2', 'extra'], /unexpected argument 'extra'/],
    [['render', 'k8s', '--shards', '2', '--replicas', '3'], /USAGE: Unknown option '--replicas'/],
  ])('%j: exit 2 naming the problem', async (argv, message) => {
    const r = await runCli(argv, ws);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('a profile with egress is refused, not rendered without it', async () => {
    mkdirSync(join(ws, 'pol'), { recursive: true });
    writeFileSync(
      join(ws, 'pol/egress.yml'),
      'version: 1\nextends: default\nprofiles:\n  standard:\n    egress:\n      allow: [{ host: pypi.org }]\n',
    );
    const r = await runCli(['render', 'k8s', '--shards', '2', '--policy', 'pol/egress.yml'], ws);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/EGRESS_UNAVAILABLE: profile standard grants egress/);
  });

  it("a policy's name cannot add YAML documents or lines: it is quoted in the header comment", async () => {
    mkdirSync(join(ws, 'pol'), { recursive: true });
    writeFileSync(
      join(ws, 'pol/named.yml'),
      'version: 1\nextends: default\nname: "x\\n---\\nkind: Secret"\n',
    );
    const r = await runCli(['render', 'k8s', '--shards', '1', '--policy', 'pol/named.yml'], ws);
    expect(r.code).toBe(0);
    expect(docsOf(r.stdout).map((d) => d.kind)).toEqual(['RuntimeClass', 'NetworkPolicy', 'Job']);
    expect(r.stdout).toContain('# Policy "x\\n---\\nkind: Secret", profile standard');
  });

  it('is listed in airlock --help', async () => {
    const r = await runCli(['--help'], ws);
    expect(r.stdout).toMatch(/^ {2}render k8s +write the sandbox as a Kubernetes Indexed Job/m);
  });
});
