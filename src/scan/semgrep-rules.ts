import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { toSeverity } from './severity.js';
import type { RuleMeta } from './types.js';

/**
 * Our Semgrep rules (policies/semgrep/*.yaml) as data: the SARIF writer describes
 * them, the Semgrep adapter maps prefixed check ids back to them, and a unit test
 * checks their shape where Semgrep itself cannot run.
 */
const PATTERN_KEYS = ['pattern', 'patterns', 'pattern-either', 'pattern-regex'] as const;

export const SemgrepRule = z
  .object({
    id: z.string().regex(/^airlock\.[a-z0-9][a-z0-9-]*$/, 'ids are airlock.<kebab-name>'),
    message: z.string().min(1),
    severity: z.enum(['ERROR', 'WARNING', 'INFO']),
    languages: z.array(z.string()).min(1),
    metadata: z
      .object({
        confidence: z.enum(['HIGH', 'MEDIUM', 'LOW']),
        cwe: z.array(z.string().regex(/^CWE-\d+: /)).min(1),
        category: z.literal('security'),
      })
      .loose(),
  })
  .loose()
  .refine((r) => PATTERN_KEYS.some((k) => k in r), {
    message: `a rule needs one of ${PATTERN_KEYS.join(', ')}`,
  });
export type SemgrepRule = z.infer<typeof SemgrepRule>;

export const SemgrepRuleFile = z.object({ rules: z.array(SemgrepRule).min(1) });

export interface LoadedRuleFile {
  /** File name without `.yaml`; its test target is `<name>.py` beside it. */
  name: string;
  file: string;
  rules: SemgrepRule[];
}

/** Reads and validates every `*.yaml` in the directory; throws on the first invalid one. */
export function loadSemgrepRuleFiles(dir: string): LoadedRuleFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const parsed = SemgrepRuleFile.safeParse(parse(readFileSync(file, 'utf8')));
      if (!parsed.success) {
        throw new Error(
          `${f}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      }
      return { name: f.slice(0, -'.yaml'.length), file, rules: parsed.data.rules };
    });
}

export function semgrepRuleMeta(rule: SemgrepRule): RuleMeta {
  const cwe = rule.metadata.cwe.map((c) => Number(/^CWE-(\d+)/.exec(c)?.[1])).filter(Number.isFinite);
  const short = rule.message.split(/(?<=\.)\s/)[0] ?? rule.message;
  return {
    tool: 'semgrep',
    id: rule.id,
    name: rule.id.slice('airlock.'.length),
    shortDescription: short.trim(),
    fullDescription: rule.message.trim(),
    cwe,
    defaultSeverity: toSeverity(rule.severity),
  };
}

export function loadSemgrepRuleMeta(dir: string): RuleMeta[] {
  return loadSemgrepRuleFiles(dir).flatMap((f) => f.rules.map(semgrepRuleMeta));
}
