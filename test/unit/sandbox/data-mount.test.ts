import { describe, expect, it } from 'vitest';
import { assertHardeningFloor, containerSpecFor } from '../../../src/sandbox/container-spec.js';
import { renderCreateRequest } from '../../../src/sandbox/render-create-request.js';
import { renderRunArgv } from '../../../src/sandbox/render-run-argv.js';
import { fixedIds as ids, hardenedSpec as run } from '../../helpers/hardened-spec.js';

/**
 * The policy's data inputs in the container: the data copy read-only at /work, the
 * script's folder read-only on top of it at /work/<folder>, which is the working
 * directory; the same in the Engine API request (Docker and Podman) and the argv.
 */
const withData = (scriptDir: string) =>
  containerSpecFor(
    run({ workDir: '/stage/run-low/analysis', data: { host: '/stage/data', scriptDir } }),
    ids,
  );

describe('data mounts', () => {
  it('without data nothing changes: the script folder is /work', () => {
    const spec = containerSpecFor(run(), ids);
    expect(spec.mounts).toEqual([{ source: '/ws/scripts', target: '/work', readOnly: true }]);
    expect(spec.workdir).toBe('/work');
  });

  it('data at /work (first: parents are mounted before what sits in them), the script folder at /work/<dir>', () => {
    const spec = withData('reports/q3');
    expect(spec.mounts).toEqual([
      { source: '/stage/data', target: '/work', readOnly: true, kind: 'data' },
      { source: '/stage/run-low/analysis', target: '/work/reports/q3', readOnly: true },
    ]);
    expect(spec.workdir).toBe('/work/reports/q3');
  });

  it('renders the same for the Engine API (Docker, Podman) and the docker run argv', () => {
    const spec = withData('analysis');
    const body = renderCreateRequest(spec).body;
    expect(body.WorkingDir).toBe('/work/analysis');
    expect(body.HostConfig.Mounts).toEqual([
      { Type: 'bind', Source: '/stage/data', Target: '/work', ReadOnly: true },
      { Type: 'bind', Source: '/stage/run-low/analysis', Target: '/work/analysis', ReadOnly: true },
    ]);
    const argv = renderRunArgv(spec, () => '/seccomp.json');
    expect(argv).toContain('type=bind,source=/stage/data,target=/work,readonly');
    expect(argv).toContain('type=bind,source=/stage/run-low/analysis,target=/work/analysis,readonly');
    expect(argv[argv.indexOf('--workdir') + 1]).toBe('/work/analysis');
  });

  it.each([
    ['..', 'a parent'],
    ['a/../../etc', 'a climb'],
    ['.', 'the root itself'],
    ['a//b', 'an empty segment'],
    ['a,b', 'a comma'],
    ['a:b', 'a colon'],
    ['a\nb', 'a newline'],
  ])('refuses the script folder %j (%s) as a mount path', (dir) => {
    expect(() => withData(dir)).toThrow(expect.objectContaining({ code: 'PATH_INVALID' }));
  });

  it('the hardening floor refuses a writable data mount, naming it', () => {
    const spec = withData('analysis');
    (spec.mounts[0] as { readOnly: boolean }).readOnly = false;
    expect(() => assertHardeningFloor(spec)).toThrow(/data inputs must be mounted read-only/);
  });
});
