export * from './image/index.js';
export { packageModel, defaultRuntimeFile, parsePlatform, DEFAULT_BASES, TARGETS, type Target, type PackageModelOptions, type PackageModelResult } from './package-model.js';
export { buildBundle, BundleErrorCode, DEFAULT_BUNDLE_BASES, runtimePackagesFile, type BuildBundleOptions, type BundleResult, type BundleFile, type BundleLayers, type BundleModelFacts, type BundlePlatform, type BundleTarget } from './bundle/index.js';
