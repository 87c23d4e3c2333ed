/** The sandbox image: what other modules (setup, runner, smoke, gate report) call. */
export {
  type BuildImageOptions,
  type BuildImageResult,
  buildSandboxImage,
  DEFAULT_BASE_IMAGE,
  DEFAULT_LOCAL_IMAGE,
} from './build-image.js';
export { CONTEXT_LABEL } from './build-context.js';
export { type ImageInfo, inspectImage } from './docker-image.js';
