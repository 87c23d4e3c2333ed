import { describe, expect, it } from 'vitest';
import { runscEgressProblem, runscHostUdsOpen } from '../../../src/sandbox/runsc-host-uds.js';

describe('runscHostUdsOpen: daemon.json runtimeArgs read as runsc (Go flag) reads them', () => {
  it.each<[string[], boolean]>([
    [[], false],
    [['--network=none'], false],
    [['--network=none', '--host-uds=open'], true],
    [['-host-uds=open'], true],
    [['--host-uds', 'open'], true],
    [['--host-uds=all'], true],
    [['--host-uds=create'], false], // create binds new sockets; it does not open host ones
    [['--host-uds=none'], false],
    [['--host-uds=open', '--host-uds=none'], false], // the last one wins
    [['--host-uds=none', '--host-uds', 'all'], true],
    [['--fsgofer-host-uds'], true], // the deprecated spelling of host-uds=all
    [['--fsgofer-host-uds=false'], false],
    [['--host-uds'], false], // no value
    [['--host-udsx=open', '--xhost-uds=open'], false],
    [['--network', '--host-uds=open'], true],
  ])('%j -> %s', (args, open) => {
    expect(runscHostUdsOpen(args)).toBe(open);
  });
});

describe('runscEgressProblem: a gate whose scripts have egress refuses a runsc that cannot reach the proxy', () => {
  it('refuses runsc without --host-uds=open when some level has egress, naming the levels, the flags and the fix', () => {
    const p = runscEgressProblem('runsc', ['--network=none'], ['low']);
    expect(p?.code).toBe('ENGINE_RUNTIME_UNSUPPORTED');
    expect(p?.message).toContain('the policy gives low scripts egress');
    expect(p?.message).toContain('["--network=none"]');
    expect(p?.message).toContain('"--host-uds=open"');
    expect(p?.message).toContain('/etc/docker/daemon.json');
    expect(runscEgressProblem('runsc', [], ['low', 'high'])?.message).toContain('low and high scripts');
  });

  it('has nothing to say without egress, under runc, with the flag, or when the engine does not list runsc', () => {
    expect(runscEgressProblem('runsc', ['--network=none'], [])).toBeNull();
    expect(runscEgressProblem('runc', [], ['low'])).toBeNull();
    expect(runscEgressProblem('runsc', ['--network=none', '--host-uds=open'], ['low'])).toBeNull();
    expect(runscEgressProblem('runsc', undefined, ['low'])).toBeNull();
  });
});
