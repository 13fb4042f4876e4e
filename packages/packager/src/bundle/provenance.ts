/**
 * `model/provenance.json`: an in-toto v1 Statement whose subjects are the bundled model files and
 * whose predicate is SLSA v1 provenance: what was packaged (external parameters), from which model
 * version, datasets and commit (resolved dependencies), by mlship. `startedOn` is the model
 * version's creation time, so the statement is the same however often the bundle is rebuilt.
 */
import { hexOf, MLSHIP_VERSION, type Digest } from '@mlship/core';
import type { BundleModelFacts } from './types.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const BUILD_TYPE = 'https://mlship.dev/package/v1';
export const BUILDER_ID = 'https://mlship.dev/cli';

export interface ProvenanceInput {
  /** Model files as they sit in the bundle (`model/model.onnx`, …) with their digests. */
  subjects: Array<{ path: string; digest: Digest }>;
  model: BundleModelFacts;
  /** Parents of the model version other than datasets (e.g. the model it was compressed from). */
  otherParents: Array<{ ref: string; digest: Digest }>;
  modelRef: string;
  target: string;
  platforms: string[];
  base: string;
  name: string;
}

interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
  annotations?: Record<string, unknown>;
}

function gitDependency(git: NonNullable<BundleModelFacts['git']>): ResourceDescriptor | undefined {
  if (!git.commit) return undefined;
  const annotations = { ...(git.branch ? { branch: git.branch } : {}), dirty: git.dirty };
  return git.remote
    ? { uri: `git+${git.remote}@${git.commit}`, digest: { gitCommit: git.commit }, annotations }
    : { name: 'git', digest: { gitCommit: git.commit }, annotations: { ...annotations, remote: 'unknown: the model version records no remote' } };
}

export function buildProvenance(input: ProvenanceInput): string {
  const registryArtifact = (ref: string, digest: Digest, role: string): ResourceDescriptor => ({ name: ref, digest: { sha256: hexOf(digest) }, annotations: { role } });
  const resolvedDependencies: ResourceDescriptor[] = [
    registryArtifact(input.model.ref, input.model.digest, 'model'),
    ...input.model.datasetParents.map((parent) => registryArtifact(parent.ref, parent.digest, 'dataset')),
    ...input.otherParents.map((parent) => registryArtifact(parent.ref, parent.digest, 'parent')),
  ];
  const git = input.model.git ? gitDependency(input.model.git) : undefined;
  if (git) resolvedDependencies.push(git);
  const statement = {
    _type: STATEMENT_TYPE,
    subject: input.subjects.map((subject) => ({ name: subject.path, digest: { sha256: hexOf(subject.digest) } })),
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: { modelRef: input.modelRef, target: input.target, platforms: input.platforms, base: input.base, name: input.name },
        resolvedDependencies,
      },
      runDetails: {
        builder: { id: BUILDER_ID, version: { mlship: MLSHIP_VERSION } },
        metadata: { startedOn: input.model.created },
      },
    },
  };
  return `${JSON.stringify(statement, null, 2)}\n`;
}
