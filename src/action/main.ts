import * as core from '@actions/core';

/** The Action: reads inputs, runs the shared gate pipeline, sets outputs. */
export async function run(): Promise<void> {
  try {
    core.setFailed('airlock: the Action entry is not wired to the gate pipeline yet');
  } catch (e) {
    core.setFailed(e instanceof Error ? e.message : String(e));
  }
}
