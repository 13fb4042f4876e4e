/**
 * The top-level commands: name, help term and description. `mlship --help` lists them from here
 * without building every command's options (start-up time counts in git hooks); each command file
 * takes its description from here, and a test checks the terms against the full definitions.
 */
export const TOP_LEVEL_COMMANDS = {
  init: { term: 'init [dir]', description: 'create an artifact registry (.mlship/registry) in a project directory' },
  data: { term: 'data', description: 'data quality: infer schemas, validate, profile, compare and register datasets' },
  train: { term: 'train [options] [spec]', description: 'train a model, evaluate it, export it to ONNX and store it as models/NAME:N' },
  model: { term: 'model', description: 'stored models: import ONNX models trained elsewhere, evaluate any stored model, export its files' },
  compress: {
    term: 'compress [options] <ref>',
    description: 'compress a stored model (int8, float16, pruning, distillation) into a new version, judged and measured against it',
  },
  package: {
    term: 'package [options] <ref>',
    description: 'package a stored model as a bundle (packages/NAME:N) and a daemonless OCI image (images/NAME:N) for cpu, gpu or edge',
  },
  registry: { term: 'registry', description: 'the versioned artifact registry: store, find, tag, remove, verify and move artifacts' },
  serve: {
    term: 'serve [options] <model...>',
    description: 'serve a model over HTTP: KServe V2 / Open Inference Protocol and V1 predict, with dynamic batching, metrics and a prediction log',
  },
} as const;

export type TopLevelCommand = keyof typeof TOP_LEVEL_COMMANDS;
