import { UserError } from '../errors.js';

/**
 * The sandbox image comes in two flavors, two targets of images/Dockerfile:
 *   core  Python, pandas, Polars, matplotlib, networkx, Graphviz, Bandit, Semgrep
 *   full  core plus Chromium and the Mermaid CLI
 * core is the default: it is about half the download, and a browser is attack surface
 * a policy should ask for (`sandbox.flavor: full`) rather than get by default.
 */
export const IMAGE_FLAVORS = ['core', 'full'] as const;
export type ImageFlavor = (typeof IMAGE_FLAVORS)[number];
export const DEFAULT_FLAVOR: ImageFlavor = 'core';

/** The image label that names the flavor an image was built as (images/Dockerfile). */
export const FLAVOR_LABEL = 'org.airlock.flavor';

/**
 * The tag `airlock image build` gives each flavor on this machine. The default
 * flavor keeps the historic `airlock-sandbox:local`, so policies and scripts that
 * name it keep working.
 */
export const LOCAL_IMAGE_TAGS: Readonly<Record<ImageFlavor, string>> = {
  core: 'airlock-sandbox:local',
  full: 'airlock-sandbox:full-local',
};

export function isImageFlavor(v: unknown): v is ImageFlavor {
  return typeof v === 'string' && (IMAGE_FLAVORS as readonly string[]).includes(v);
}

/** A flavor named on a command line or in an input; `what` names where it came from. */
export function parseFlavor(v: string, what: string): ImageFlavor {
  if (isImageFlavor(v)) return v;
  throw new UserError('USAGE', `${what} must be ${IMAGE_FLAVORS.join(' or ')}, got '${v}'`);
}
