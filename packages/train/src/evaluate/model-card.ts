/**
 * The model card as JSON: every fact mlship knows about a trained model, in a fixed shape and key
 * order, so that the same facts always give the same bytes. `renderModelCardMarkdown` prints it.
 */
import type { EvaluationMetrics, Task } from './evaluation-types.js';
import type { GateReport } from './gate-evaluate.js';
import type { GroupMetrics } from './group-metrics.js';
import type { PermutationImportance } from './permutation-importance.js';

export const MODEL_CARD_SCHEMA = 'mlship.model-card/v1';

/** What the card is made from. Absent facts become null (or empty) in the card, never missing keys. */
export interface ModelCardFacts {
  model: {
    name: string;
    version?: number;
    /** `models/iris:3`. */
    ref?: string;
    /** Content digest of the model files, `sha256:…`. */
    digest?: string;
    /** ISO 8601 time the version was created. */
    created?: string;
  };
  task: Task;
  label?: string;
  /** Feature columns, in the model's input order. */
  features?: readonly string[];
  dataset?: {
    /** `datasets/iris:1`. */
    ref: string;
    digest?: string;
    /** How the evaluated rows were chosen, e.g. "held-out split, 20%, stratified, seed 42". */
    evaluation?: string;
  };
  metrics: EvaluationMetrics;
  /** How each column of the data was used (feature, derived, excluded) and why. */
  columns?: readonly CardColumn[];
  /** Row counts: the data's rows, those without a label, and the three parts. */
  split?: CardSplit;
  /** k-fold cross-validation figures (small data sets), beside the test metrics. */
  crossValidation?: CardCrossValidation;
  groups?: readonly GroupMetrics[];
  importance?: PermutationImportance;
  gates?: GateReport;
  /** Training parameters (epochs, batch size, optimizer, seed …); free-form, printed sorted by key. */
  training?: Record<string, unknown>;
  /** Node, tfjs and backend versions, CPU, git state …; free-form, printed sorted by key. */
  environment?: Record<string, unknown>;
  /** Who should use the model, for what; placeholders are printed when absent. */
  intendedUse?: string;
  limitations?: string;
}

export interface CardColumn {
  column: string;
  use: string;
  type: string;
  reason: string;
  features?: readonly string[];
}

export interface CardSplit {
  /** Rows of the data. */
  rows: number;
  /** Rows left out: without a label; with a value the model cannot fill; of a class training never saw. */
  withoutLabel: number;
  missingFeature: number;
  unseenClass: number;
  train: number;
  /** Early stopping and model selection. */
  validation: number;
  /** Every metric of this card (0: the metrics come from the validation rows). */
  test: number;
  /** The part the metrics come from. */
  metricsFrom: 'test' | 'validation';
}

export interface CardCrossValidation {
  folds: number;
  rows: number;
  metrics: Record<string, { mean: number | null; std: number | null }>;
}

/** `ModelCardFacts` normalised: every key present, free-form records sorted by key. */
export interface ModelCard {
  schema: typeof MODEL_CARD_SCHEMA;
  model: { name: string; version: number | null; ref: string | null; digest: string | null; created: string | null };
  task: Task;
  label: string | null;
  features: string[];
  /** Class names in index order (classification), else null. */
  classes: string[] | null;
  dataset: { ref: string; digest: string | null; evaluation: string | null } | null;
  metrics: EvaluationMetrics;
  columns: CardColumn[];
  split: CardSplit | null;
  crossValidation: CardCrossValidation | null;
  groups: GroupMetrics[];
  importance: PermutationImportance | null;
  gates: GateReport | null;
  training: Record<string, unknown>;
  environment: Record<string, unknown>;
  intendedUse: string | null;
  limitations: string | null;
}

/** Builds the card; pure. */
export function buildModelCard(facts: ModelCardFacts): ModelCard {
  const { model, metrics } = facts;
  return {
    schema: MODEL_CARD_SCHEMA,
    model: {
      name: model.name,
      version: model.version ?? null,
      ref: model.ref ?? null,
      digest: model.digest ?? null,
      created: model.created ?? null,
    },
    task: facts.task,
    label: facts.label ?? null,
    features: [...(facts.features ?? [])],
    classes: metrics.task === 'classification' ? [...metrics.confusion_matrix.labels] : null,
    dataset:
      facts.dataset === undefined
        ? null
        : { ref: facts.dataset.ref, digest: facts.dataset.digest ?? null, evaluation: facts.dataset.evaluation ?? null },
    metrics: canonicalJson(metrics) as EvaluationMetrics,
    columns: (facts.columns ?? []).map((column) => canonicalJson({ column: column.column, use: column.use, type: column.type, reason: column.reason, ...(column.features ? { features: column.features } : {}) }) as CardColumn),
    split: facts.split === undefined ? null : (canonicalJson(facts.split) as CardSplit),
    crossValidation:
      facts.crossValidation === undefined
        ? null
        : (canonicalJson({
            folds: facts.crossValidation.folds,
            rows: facts.crossValidation.rows,
            metrics: Object.fromEntries(Object.entries(facts.crossValidation.metrics).map(([name, { mean, std }]) => [name, { mean, std }])),
          }) as CardCrossValidation),
    groups: (facts.groups ?? []).map((group) => canonicalJson(group) as GroupMetrics),
    importance: facts.importance === undefined ? null : (canonicalJson(facts.importance) as PermutationImportance),
    gates: facts.gates === undefined ? null : (canonicalJson(facts.gates) as GateReport),
    training: sortKeysDeep(facts.training ?? {}) as Record<string, unknown>,
    environment: sortKeysDeep(facts.environment ?? {}) as Record<string, unknown>,
    intendedUse: facts.intendedUse ?? null,
    limitations: facts.limitations ?? null,
  };
}

/** The card as JSON text: two-space indent, a final newline. */
export function renderModelCardJson(card: ModelCard): string {
  return `${JSON.stringify(card, null, 2)}\n`;
}

/**
 * A JSON round trip (drops undefined, turns non-finite numbers into null, copies), keeping the
 * producers' key order, which is fixed by the functions that made these objects.
 */
function canonicalJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * Copies plain objects with keys in UTF-16 order (JavaScript still lists integer-like keys first,
 * ascending), at every depth; arrays keep their order. Values become JSON: non-finite numbers,
 * undefined and functions become null, bigints text, dates ISO text.
 */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .map((key) => [key, sortKeysDeep((value as Record<string, unknown>)[key])]),
    );
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  return null;
}
