import type { Descriptor } from '@mlship/oci';
import { Annotation } from './media-types.js';

/** A file name inside an artifact: relative, `/`-separated, no `.` or `..` segments, at most 255 characters. */
const FILE_NAME = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._+-]+(?:\/[A-Za-z0-9._+-]+)*$/;

/**
 * Why a set of file names cannot be written out safely (a bad name, two files of one name, a file that is
 * also a folder of another), or undefined when they are fine.
 */
export function fileNamesProblem(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (name.length > 255 || !FILE_NAME.test(name)) return `bad file name "${name}"`;
    if (seen.has(name)) return `two files are named "${name}"`;
    seen.add(name);
  }
  for (const name of seen) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i += 1) {
      const folder = parts.slice(0, i).join('/');
      if (seen.has(folder)) return `"${folder}" is both a file and a folder`;
    }
  }
  return undefined;
}

/** The same for a manifest's layer titles; manifests from imports and pulls are checked before they are accepted. */
export function unsafeFileNames(layers: readonly Descriptor[]): string | undefined {
  const names = layers.map((layer) => layer.annotations?.[Annotation.title]).filter((name): name is string => name !== undefined);
  return fileNamesProblem(names);
}
