/**
 * What the GitHub Actions runner would take as workflow commands in a step's output
 * (actions/runner: ActionCommandManager.TryProcessCommand, ActionCommand.TryParseV2
 * and TryParse). A model of GitHub, like the fake API: lines are read with .NET's
 * ReadLine (\r, \n, \r\n end a line), a v2 command is `::name …::…` after TrimStart
 * (which also trims U+0085 and U+180E), a v1 command is `##[name …]…` anywhere in
 * the line, and `::stop-commands::TOKEN` ignores every command until `::TOKEN::`.
 * One state per stream, since the runner reads stdout and stderr on separate pipes
 * and their order relative to each other is not guaranteed.
 */
export function workflowCommandsIn(streamText: string): string[] {
  const found: string[] = [];
  let stopToken: string | undefined;
  for (const raw of streamText.split(/\r\n|\r|\n/)) {
    const line = raw.replace(/^[\s\u0085\u180e]+/u, '');
    let name: string | undefined;
    const v2 = line.match(/^::([^\s:]+)(?:\s[^:]*)?::(.*)$/s);
    if (v2) name = v2[1];
    else {
      const v1 = raw.match(/##\[([^\s\]]+)[^\]]*\]/);
      if (v1) name = v1[1];
    }
    if (name === undefined) continue;
    if (stopToken !== undefined) {
      if (name === stopToken) stopToken = undefined;
      continue;
    }
    if (name === 'stop-commands') {
      stopToken = v2?.[2];
      continue;
    }
    found.push(raw);
  }
  return found;
}
