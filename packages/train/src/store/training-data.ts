/**
 * Where `mlship train --data` points: a data file on disk, or a stored dataset
 * (`datasets/NAME[:N|@alias]`) whose data file is read through the registry API. Resolved by
 * @mlship/data, which knows how `data register` stores datasets.
 */
import { resolveDataFile, type DataFile } from '@mlship/data';

export type TrainingData = DataFile;

/**
 * An existing path wins over a ref. A dataset ref is resolved in `registry()` and its data file is
 * copied into `workDir` (its stream checks the digest). FILE_NOT_FOUND for anything else.
 */
export function resolveTrainingData(data: string, options: { workDir: string; registry: () => Promise<string> }): Promise<TrainingData> {
  return resolveDataFile(data, { ...options, hint: 'give a data file (CSV, JSONL, Parquet) or a stored dataset such as datasets/iris:1' });
}
