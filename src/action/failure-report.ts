import * as core from '@actions/core';
import { clip, visibleText } from '../report/visible-text.js';

/**
 * Markdown-safe text: the reason can quote a PR's file names or a registry's answer, so
 * HTML is escaped, invisible characters are written out and the length is bounded.
 */
function escapeHtml(text: string): string {
  return clip(visibleText(text, { keepLineBreaks: true }), 20_000)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * What a run that ended before its report still tells the workflow: the `verdict`
 * output (`fail`, so a later `if:` never reads an empty value as a pass) and a job
 * summary with the reason, where the runner gives a summary file. Never throws: it
 * runs on the way out of a failure already being reported.
 */
export async function reportFailure(reason: string): Promise<void> {
  core.setOutput('verdict', 'fail');
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary
      .addHeading('Airlock: fail', 2)
      .addRaw('The gate did not complete, so no script was run and nothing was approved.', true)
      .addRaw(`<pre>${escapeHtml(reason)}</pre>`, true)
      .addRaw(
        'If the sandbox image was the cause, see the `image` input in docs/github.md and docs/image.md.',
        true,
      )
      .write();
  } catch (e) {
    core.warning(`could not write the job summary: ${(e as Error).message}`);
  }
}
