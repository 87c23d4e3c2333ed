/**
 * Runs GitHub's workflow parser over the files named in argv and prints
 * {"<file>": ["error", ...]} as JSON. A separate process because the parser's
 * package imports its JSON schema without an import attribute, which Node's ESM
 * loader (and so vitest) refuses; tsx's loader accepts it. Run:
 *   node --import tsx test/integration/ops/parse-workflows.ts FILE...
 * A file named "-" reads the workflow from stdin (for the negative control).
 */
import { readFileSync } from 'node:fs';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';

async function errorsOf(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0) return errors;
  if (!parsed.value) return [`${name}: empty workflow`];
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return (template.errors ?? []).map((e) => e.Message);
}

const out: Record<string, string[]> = {};
for (const file of process.argv.slice(2)) {
  const content = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  out[file] = await errorsOf(file, content);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
