/** The name a `trainAndStore` run stores its model under. */
import { basename, extname } from 'node:path';
import { parseArtifactName } from '@mlship/core';

/**
 * `name` when given; else the dataset's name; else the spec file's (or data file's) name without
 * extensions, lower-cased, with other characters than letters, digits, ".", "_" and "-" as "-".
 * Checked here, the one place the name is checked (MLSHIP_E_REF_INVALID, exit 2).
 */
export function modelName(options: { name?: string; spec?: string; data: string }, datasetRef: string | null): string {
  const name = options.name ?? (datasetRef ? datasetRef.slice('datasets/'.length).replace(/[:@].*$/, '') : fileStemName(options.spec ?? options.data));
  parseArtifactName(`models/${name}`);
  return name;
}

function fileStemName(file: string): string {
  let stem = basename(file);
  while (extname(stem) !== '') stem = stem.slice(0, -extname(stem).length);
  const name = stem.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return name === '' ? 'model' : name;
}
