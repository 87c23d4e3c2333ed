import { describe, expect, it } from 'vitest';
import { dockerClientEnv } from '../../../src/sandbox/docker.js';

describe('dockerClientEnv', () => {
  it('keeps the engine-selection variables and drops everything else of ours (tokens)', () => {
    const env = dockerClientEnv({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
      DOCKER_CONTEXT: 'ci',
      GITHUB_TOKEN: 'ghs_secret',
      AWS_SECRET_ACCESS_KEY: 'aws_secret',
      ACTIONS_RUNTIME_TOKEN: 'rt',
    });
    expect(env.DOCKER_HOST).toBe('unix:///run/user/1000/docker.sock');
    expect(env.DOCKER_CONTEXT).toBe('ci');
    expect(Object.values(env)).not.toContain('ghs_secret');
    expect(Object.values(env)).not.toContain('aws_secret');
    expect(Object.keys(env).sort()).toEqual(['DOCKER_CONTEXT', 'DOCKER_HOST', 'HOME', 'LANG', 'PATH']);
  });
});
