/**
 * Right after training, what needed the trained model to be checked: held-out rows to judge it on,
 * and gates that fit its task and classes (exit 2).
 */
import { ExitCode, MlshipError } from '@mlship/core';
import { trainDataError } from '../errors.js';
import { checkGatePlan, type GatePlan } from '../evaluate/gate-plan.js';
import type { HeldOut, TrainModelResult } from '../train-model.js';

/** Returns the held-out rows. */
export function checkTrainedModel(trained: Pick<TrainModelResult, 'heldOut' | 'task' | 'classes'>, gates: GatePlan, groupBy: string | undefined): HeldOut {
  const { heldOut } = trained;
  if (!heldOut || heldOut.count === 0) {
    throw trainDataError('no test or validation rows to evaluate the model on', 'hold out rows with validation.test (or validation.split) > 0 in the spec, or give validation.testData');
  }
  checkGatePlan(gates, { task: trained.task.task, ...(trained.classes ? { classes: trained.classes } : {}) });
  if (gates.gates.some((gate) => gate.ref.kind === 'group_gap') && groupBy === undefined) {
    throw new MlshipError('MLSHIP_E_GATE_UNKNOWN_METRIC', 'group_gap gates need per-group metrics', { hint: 'pass --group-by COLUMN', exitCode: ExitCode.usage });
  }
  return heldOut;
}
