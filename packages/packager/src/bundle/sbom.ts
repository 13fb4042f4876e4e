/**
 * The bundle's CycloneDX 1.6 SBOM: the served application (metadata.component), the npm packages
 * that ship (onnxruntime-node and -common as files, and those inlined into the server runtime), and
 * the model (a `machine-learning-model` component). Serialised with sorted lists and no clock, so the
 * same inputs give the same bytes.
 */
import { createHash } from 'node:crypto';
// Subpath imports: the package's index also loads its validators, which find their schemas through
// __dirname, and that breaks once the CLI bundles this module as an ES module.
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as SPDX from '@cyclonedx/cyclonedx-library/SPDX';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import type { BundleModelFacts } from './types.js';
import { sha512Hex, tarballUrl } from './npm-integrity.js';

export interface SbomFile {
  /** Path in the bundle. */
  path: string;
  /** Hex SHA-256. */
  sha256: string;
}

export interface SbomNpmPackage {
  name: string;
  version: string;
  license: string | null;
  description?: string | null;
  /** Names of the dependencies it declares; edges are drawn to those present in the SBOM. */
  dependencies: string[];
  /** Registry integrity (`sha512-…`) of its tarball, when known. */
  integrity?: string;
  /** Its files in the bundle (none when it is inlined into the server runtime). */
  files: SbomFile[];
  /** `inlined` when its code is part of server/serve-runtime.mjs; `node_modules` when it ships as files. */
  shipped: 'inlined' | 'node_modules';
}

export interface SbomInput {
  application: { name: string; version: string; description: string; files: SbomFile[] };
  packages: SbomNpmPackage[];
  model: BundleModelFacts & { file: SbomFile };
  /** The tool that wrote the SBOM. */
  tool: { name: string; version: string };
  /** Seeds the serial number: equal seeds give equal SBOMs. */
  serialSeed: string;
}

/** The package URL of an npm package (`pkg:npm/%40scope/name@1.0.0`). */
export function npmPurl(name: string, version: string): string {
  return `pkg:npm/${name.startsWith('@') ? `%40${name.slice(1)}` : name}@${version}`;
}

/** A name-based (version 5) UUID URN from `seed`: stable per input, and the form CycloneDX requires. */
export function serialNumberOf(seed: string): string {
  const namespace = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex'); // RFC 4122's URL namespace
  const bytes = createHash('sha1').update(namespace).update(seed).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function licenseOf(text: string): Models.License {
  if (SPDX.isSupportedSpdxId(text)) return new Models.SpdxLicense(text);
  if (/\s(AND|OR|WITH)\s|[()]/.test(text)) return new Models.LicenseExpression(text);
  return new Models.NamedLicense(text);
}

function fileComponent(file: SbomFile): Models.Component {
  const component = new Models.Component(Enums.ComponentType.File, file.path, { bomRef: `file:${file.path}` });
  component.hashes.set(Enums.HashAlgorithm['SHA-256'], file.sha256);
  return component;
}

function npmComponent(pkg: SbomNpmPackage): Models.Component {
  const scoped = pkg.name.startsWith('@');
  const purl = npmPurl(pkg.name, pkg.version);
  const component = new Models.Component(Enums.ComponentType.Library, scoped ? pkg.name.slice(pkg.name.indexOf('/') + 1) : pkg.name, {
    bomRef: purl,
    purl,
    version: pkg.version,
    ...(scoped ? { group: pkg.name.slice(0, pkg.name.indexOf('/')) } : {}),
    ...(pkg.description ? { description: pkg.description } : {}),
  });
  if (pkg.license) component.licenses.add(licenseOf(pkg.license));
  const sha512 = pkg.integrity ? sha512Hex(pkg.integrity) : undefined;
  const distribution = new Models.ExternalReference(tarballUrl(pkg.name, pkg.version), Enums.ExternalReferenceType.Distribution);
  if (sha512) {
    // The registry tarball's hash: identifies the package version whatever subset of it ships.
    component.hashes.set(Enums.HashAlgorithm['SHA-512'], sha512);
    distribution.hashes.set(Enums.HashAlgorithm['SHA-512'], sha512);
  }
  component.externalReferences.add(distribution);
  component.properties.add(new Models.Property('mlship:shipped', pkg.shipped));
  for (const file of pkg.files) component.components.add(fileComponent(file));
  return component;
}

/** The SBOM document (JSON text) and how many components it lists at the top level. */
export function buildSbom(input: SbomInput): { text: string; components: number; files: number } {
  const bom = new Models.Bom({ serialNumber: serialNumberOf(input.serialSeed) });
  bom.metadata.timestamp = new Date(input.model.created);
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, input.tool.name, { version: input.tool.version, bomRef: `tool:${input.tool.name}` }));

  const application = new Models.Component(Enums.ComponentType.Application, input.application.name, {
    bomRef: `app:${input.application.name}`,
    version: input.application.version,
    description: input.application.description,
  });
  for (const file of input.application.files) application.components.add(fileComponent(file));
  bom.metadata.component = application;

  const byName = new Map<string, Models.Component>();
  for (const pkg of input.packages) {
    const component = npmComponent(pkg);
    byName.set(pkg.name, component);
    bom.components.add(component);
  }
  const dependedOn = new Set<string>();
  for (const pkg of input.packages) {
    for (const name of pkg.dependencies) {
      const target = byName.get(name);
      if (!target || name === pkg.name) continue;
      byName.get(pkg.name)!.dependencies.add(target.bomRef);
      dependedOn.add(name);
    }
  }
  for (const pkg of input.packages) if (!dependedOn.has(pkg.name)) application.dependencies.add(byName.get(pkg.name)!.bomRef);

  const model = new Models.Component(Enums.ComponentType.MachineLearningModel, input.model.name, {
    bomRef: input.model.ref,
    version: String(input.model.version),
    description: `${input.model.ref}, served from model/`,
  });
  model.hashes.set(Enums.HashAlgorithm['SHA-256'], input.model.file.sha256);
  model.properties.add(new Models.Property('mlship:ref', input.model.ref));
  model.properties.add(new Models.Property('mlship:digest', input.model.digest));
  for (const parent of input.model.datasetParents) model.properties.add(new Models.Property('mlship:dataset', `${parent.ref} ${parent.digest}`));
  if (input.model.git?.commit) model.properties.add(new Models.Property('mlship:git:commit', input.model.git.commit));
  model.components.add(fileComponent(input.model.file));
  bom.components.add(model);
  application.dependencies.add(model.bomRef);

  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  const text = `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
  const files = input.application.files.length + input.packages.reduce((sum, pkg) => sum + pkg.files.length, 0) + 1;
  return { text, components: bom.components.size, files };
}
