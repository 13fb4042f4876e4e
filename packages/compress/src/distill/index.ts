/** Knowledge distillation (tfjs): a smaller student trained on a teacher's softened probabilities. */
export { distillLayersModel, distillationLoss, softenProbabilities, type DistillOptions, type DistillResult } from './distill-layers-model.js';
