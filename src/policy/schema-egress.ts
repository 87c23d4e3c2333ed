import { z } from 'zod';
import { hostPatternProblem, normalizeHost, ruleFromEntry } from '../egress/allowlist.js';

/**
 * The network parts of a profile (docs/egress.md): `egress`, what a script may reach
 * through Airlock's proxy, and `install`, the optional pip install phase before it.
 * Kept apart from the rest of the policy's shape (src/policy/schema.ts), which uses them.
 */

/** A file named relative to the workspace: no absolute path, no `..`, printable text. */
const WorkspaceFile = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[\x21-\x7e][\x20-\x7e]*$/, 'expected a workspace-relative file path')
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
    message: 'expected a workspace-relative file path (no leading "/", no ".." segment)',
  });

/** An https index URL with a host name (never an IP literal) and no credentials. */
const IndexUrl = z
  .string()
  .max(500)
  .superRefine((s, ctx) => {
    let u: URL | null = null;
    try {
      u = new URL(s);
    } catch {
      u = null;
    }
    const ok =
      u !== null &&
      /^[\x21-\x7e]+$/.test(s) &&
      u.protocol === 'https:' &&
      u.username === '' &&
      u.password === '' &&
      u.search === '' &&
      u.hash === '' &&
      normalizeHost(u.hostname) !== null;
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected an https:// index URL with a host name, like "https://pypi.org/simple/"',
      });
    }
  });

/** `profiles.<name>.install`: the optional install phase (docs/egress.md, "Install phase"). */
export const InstallSchema = z.strictObject({
  /** Workspace-relative; every line `name==version --hash=sha256:...` (src/egress/requirements-file.ts). */
  requirements: WorkspaceFile,
  index: IndexUrl.default('https://pypi.org/simple/'),
  /** Workspace-relative PEM bundle pip trusts for the index (a private index's CA). */
  caBundle: WorkspaceFile.optional(),
  timeoutSeconds: z.number().int().min(1).max(3600).default(300),
});

const EgressHostEntry = z
  .string()
  .max(260)
  .superRefine((entry, ctx) => {
    const rule = ruleFromEntry(entry);
    const problem =
      hostPatternProblem(rule.host) ??
      (rule.ports[0]! >= 1 && rule.ports[0]! <= 65_535 ? null : 'expected a port 1-65535');
    if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(entry)}: ${problem}` });
  });

const EgressRuleEntry = z.strictObject({
  host: EgressHostEntry,
  methods: z
    .array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']))
    .max(7)
    .default([]),
  paths: z
    .array(
      z
        .string()
        .max(500)
        .regex(/^\/[\x21-\x7e]*$/, 'expected a path prefix starting with "/"'),
    )
    .max(100)
    .default([]),
});

/** `profiles.<name>.egress`: what a script under this profile may reach, through Airlock's proxy. */
export const EgressSchema = z.strictObject({
  /** `pypi.org`, `files.pythonhosted.org:443`, `*.githubusercontent.com`, or `{host, methods, paths}`. */
  allow: z
    .array(z.union([EgressHostEntry, EgressRuleEntry]))
    .max(200)
    .default([]),
  /** Bytes up + down for one script's run. */
  maxBytes: z
    .number()
    .int()
    .min(1)
    .max(4 * 1024 ** 3)
    .default(64 * 1024 * 1024),
});
