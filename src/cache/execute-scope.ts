import { UserError } from '../errors.js';
import type { ExecuteScripts } from '../settings/gate-settings.js';

/** Events whose gate checks a proposed change rather than what was merged. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

/**
 * Which scripts run when the verdict cache reused their scan: the CLI's `--execute`,
 * else the policy's `execute.scripts`, else by event: `changed` on a pull request
 * (the Action's event, or the CLI's `--base/--head`), `all` on a push or anything
 * else, so what lands on a branch has run in full at least once there.
 */
export function executeScripts(opts: {
  flag?: ExecuteScripts;
  policy?: ExecuteScripts;
  event?: string;
  pullRequestRange: boolean;
}): ExecuteScripts {
  if (opts.flag) return opts.flag;
  if (opts.policy) return opts.policy;
  return opts.pullRequestRange || PULL_REQUEST_EVENTS.has(opts.event ?? '') ? 'changed' : 'all';
}

export function parseExecuteScripts(text: string | undefined, where: string): ExecuteScripts | undefined {
  if (text === undefined) return undefined;
  if (text !== 'all' && text !== 'changed') {
    throw new UserError('INPUT_INVALID', `${where}: expected 'changed' or 'all', got '${text}'`);
  }
  return text;
}
