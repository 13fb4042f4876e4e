/**
 * The first stage of `trainAndStore`: everything that can be checked before any data is read, checked
 * once, so that a typo costs no training time (exit 2).
 */
import { ErrorCode, ExitCode, MlshipError, isValidAlias } from '@mlship/core';
import type { ArtifactVersion } from '@mlship/registry';
import { planGates, type GatePlan } from '../evaluate/gate-plan.js';
import { loadTrainSpec, requireTrainSpec } from '../spec/load-train-spec.js';
import type { TrainSpec } from '../spec/train-spec.js';

export interface TrainOptionsToCheck {
  registry: string;
  spec?: string;
  gates?: string[];
  compareTo?: string;
  maxRegression?: number;
  promote?: string;
}

export interface CheckedTrainOptions {
  /** The spec file, loaded and checked; undefined without one. */
  spec: TrainSpec | undefined;
  /**
   * The spec's `gates` and the options' gates, parsed here once (syntax, metric names, ranges); the
   * model's task and classes are checked against this plan after training (`checkTrainedModel`).
   */
  gates: GatePlan;
  /** `compareTo`, resolved. */
  baseline: ArtifactVersion | null;
  maxRegression: number;
}

export async function checkTrainOptions(options: TrainOptionsToCheck): Promise<CheckedTrainOptions> {
  const { resolveRef } = await import('@mlship/registry');
  if (options.promote !== undefined && !isValidAlias(options.promote)) {
    throw new MlshipError(ErrorCode.invalidRef, `bad alias "${options.promote}"`, {
      hint: 'an alias starts with a letter, then letters, digits, ".", "_" or "-" (e.g. production)',
      exitCode: ExitCode.usage,
    });
  }
  const spec = options.spec !== undefined ? requireTrainSpec(await loadTrainSpec(options.spec), options.spec) : undefined;
  const gates = planGates([...(spec?.gates ?? []), ...(options.gates ?? [])]);
  const baseline = options.compareTo !== undefined ? await resolveRef(options.registry, options.compareTo) : null;
  return { spec, gates, baseline, maxRegression: options.maxRegression ?? 0 };
}
