export { buildBundle, RUNTIME_PATH } from './build-bundle.js';
export { BundleErrorCode } from './errors.js';
export { DEFAULT_BUNDLE_BASES, BUNDLE_ROOT, SERVE_PORT, SERVE_USER, ENTRYPOINT, HEALTHCHECK_SCRIPT, DISTROLESS_NODE_DIR } from './dockerfile.js';
export { runtimePackagesFile, RUNTIME_PACKAGES_FORMAT } from './runtime-packages.js';
export type { BuildBundleOptions, BundleResult, BundleFile, BundleLayers, BundleModelFacts, BundleGitFacts, BundlePlatform, BundleTarget } from './types.js';
export { resolveModel } from './model-source.js';
