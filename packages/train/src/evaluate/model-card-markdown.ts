/**
 * The model card as Markdown: headings and tables in a fixed order, numbers with fixed decimals
 * (format-number.ts), so the same card always renders to the same text.
 */
import { formatCount, formatFixed } from './format-number.js';
import type { ClassificationMetrics, RegressionMetrics } from './evaluation-types.js';
import type { GateReport } from './gate-evaluate.js';
import type { GroupMetrics } from './group-metrics.js';
import type { ModelCard } from './model-card.js';
import type { PermutationImportance } from './permutation-importance.js';

const CLASSIFICATION_ROWS: ReadonlyArray<[keyof ClassificationMetrics, string]> = [
  ['accuracy', 'Accuracy'],
  ['precision_macro', 'Precision (macro)'],
  ['recall_macro', 'Recall (macro)'],
  ['f1_macro', 'F1 (macro)'],
  ['precision_weighted', 'Precision (weighted)'],
  ['recall_weighted', 'Recall (weighted)'],
  ['f1_weighted', 'F1 (weighted)'],
  ['roc_auc', 'ROC AUC'],
  ['log_loss', 'Log loss'],
];

const REGRESSION_ROWS: ReadonlyArray<[keyof RegressionMetrics, string]> = [
  ['mae', 'MAE'],
  ['mse', 'MSE'],
  ['rmse', 'RMSE'],
  ['r2', 'R²'],
  ['max_error', 'Max error'],
];

export const INTENDED_USE_PLACEHOLDER = '_Not stated. Describe who should use this model, for which decisions, and which uses are out of scope._';
export const LIMITATIONS_PLACEHOLDER = '_Not stated. Describe known failure modes, data the model was not trained on, and groups it may serve worse._';

/**
 * Plain text safe in Markdown, in a table cell too: characters Markdown would read as markup
 * (emphasis, links, HTML, code, table pipes) are backslash-escaped, line breaks become spaces. An
 * underscore inside a word (`sepal_length`) is no markup in GitHub Markdown and stays as it is.
 */
export function escapeCell(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|#~]/g, (char, offset: number, whole: string) =>
      char === '_' && /[A-Za-z0-9]/.test(whole[offset - 1] ?? '') && /[A-Za-z0-9]/.test(whole[offset + 1] ?? '') ? char : `\\${char}`,
    )
    .replace(/\r?\n|\r/g, ' ');
}

/**
 * Inline code that survives any content: a backtick fence longer than any run inside. In a table
 * (`inTable`) pipes are escaped too, which GitHub's tables require even inside code.
 */
function code(text: string, inTable = true): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const flat = text.replace(/\r?\n|\r/g, ' ');
  const padded = flat.startsWith('`') || flat.endsWith('`') ? ` ${flat} ` : flat;
  return `${fence}${inTable ? padded.replace(/\|/g, '\\|') : padded}${fence}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const separator = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [header, separator, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function freeValue(value: unknown): string {
  if (typeof value === 'string') return escapeCell(value);
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return code(JSON.stringify(value));
}

/** Renders a card built by `buildModelCard`. */
export function renderModelCardMarkdown(card: ModelCard): string {
  const sections: string[] = [];
  const title = card.model.ref ?? (card.model.version === null ? card.model.name : `${card.model.name}:${card.model.version}`);
  sections.push(`# Model card: ${escapeCell(title)}`);
  sections.push(modelDetails(card));
  sections.push(`## Intended use\n\n${card.intendedUse ?? INTENDED_USE_PLACEHOLDER}`);
  sections.push(dataSection(card));
  if (card.columns.length > 0) sections.push(columnsSection(card));
  sections.push(metricsSection(card));
  if (card.crossValidation !== null) sections.push(crossValidationSection(card.crossValidation));
  for (const group of card.groups) sections.push(groupSection(group));
  if (card.importance !== null) sections.push(importanceSection(card.importance));
  if (card.gates !== null) sections.push(gatesSection(card.gates));
  sections.push(recordSection('Training', 'Parameter', card.training, '_No training parameters recorded._'));
  sections.push(recordSection('Environment', 'Item', card.environment, '_No environment recorded._'));
  sections.push(`## Limitations\n\n${card.limitations ?? LIMITATIONS_PLACEHOLDER}`);
  return `${sections.join('\n\n')}\n`;
}

function modelDetails(card: ModelCard): string {
  const rows: string[][] = [['Name', escapeCell(card.model.name)]];
  if (card.model.version !== null) rows.push(['Version', String(card.model.version)]);
  if (card.model.ref !== null) rows.push(['Ref', code(card.model.ref)]);
  if (card.model.digest !== null) rows.push(['Digest', code(card.model.digest)]);
  if (card.model.created !== null) rows.push(['Created', escapeCell(card.model.created)]);
  rows.push(['Task', card.task]);
  if (card.label !== null) rows.push(['Label', code(card.label)]);
  if (card.classes !== null) rows.push(['Classes', escapeCell(card.classes.join(', '))]);
  if (card.features.length > 0) rows.push(['Features', escapeCell(`${card.features.length}: ${card.features.join(', ')}`)]);
  return `## Model\n\n${table(['Field', 'Value'], rows)}`;
}

function dataSection(card: ModelCard): string {
  const rows: string[][] = [];
  if (card.dataset !== null) {
    rows.push(['Dataset', code(card.dataset.ref)]);
    if (card.dataset.digest !== null) rows.push(['Digest', code(card.dataset.digest)]);
    if (card.dataset.evaluation !== null) rows.push(['Evaluated on', escapeCell(card.dataset.evaluation)]);
  }
  const split = card.split;
  if (split !== null) {
    rows.push(['Rows', formatCount(split.rows)]);
    if (split.withoutLabel > 0) rows.push(['Left out: no label', formatCount(split.withoutLabel)]);
    if (split.missingFeature > 0) rows.push(['Left out: a missing value without a fill', formatCount(split.missingFeature)]);
    if (split.unseenClass > 0) rows.push(['Left out: a class training never saw', formatCount(split.unseenClass)]);
    rows.push(['Training rows', formatCount(split.train)]);
    rows.push(['Validation rows (early stopping)', formatCount(split.validation)]);
    rows.push([
      'Test rows (every metric)',
      split.metricsFrom === 'test' ? formatCount(split.test) : '0: the metrics come from the validation rows early stopping used, so they are optimistic',
    ]);
  }
  rows.push(['Rows evaluated', formatCount(card.metrics.count)]);
  return `## Data\n\n${table(['Field', 'Value'], rows)}`;
}

function columnsSection(card: ModelCard): string {
  const rows = card.columns.map((column) => [
    code(column.column),
    column.use + (column.features && column.features.length > 0 ? `: ${escapeCell(column.features.join(', '))}` : ''),
    escapeCell(column.type),
    escapeCell(column.reason),
  ]);
  return `## Columns\n\nHow each column of the data was used.\n\n${table(['Column', 'Use', 'Type', 'Reason'], rows)}`;
}

function crossValidationSection(cv: NonNullable<ModelCard['crossValidation']>): string {
  const rows = Object.entries(cv.metrics).map(([name, { mean, std }]) => [name, formatFixed(mean), formatFixed(std)]);
  const intro = `${cv.folds}-fold cross-validation over the ${formatCount(cv.rows)} training and validation rows (the test rows left out): the model trained again on each fold's other rows and scored on the fold. Mean and standard deviation over the folds.`;
  return `## Cross-validation\n\n${intro}\n\n${table(['Metric', 'Mean', 'Std'], rows, ['l', 'r', 'r'])}`;
}

function notesList(notes: Record<string, string>): string {
  const entries = Object.entries(notes);
  if (entries.length === 0) return '';
  return `\n\nNotes:\n\n${entries.map(([metric, note]) => `- ${code(metric, false)}: ${escapeCell(note)}`).join('\n')}`;
}

function metricsSection(card: ModelCard): string {
  const metrics = card.metrics;
  if (metrics.task === 'regression') {
    const rows = REGRESSION_ROWS.map(([key, label]) => [label, formatFixed(metrics[key] as number | null)]);
    return `## Metrics\n\n${table(['Metric', 'Value'], rows, ['l', 'r'])}${notesList(metrics.notes)}`;
  }
  const rows = CLASSIFICATION_ROWS.map(([key, label]) => [label, formatFixed(metrics[key] as number | null)]);
  const labels = metrics.confusion_matrix.labels;
  const perClass = labels.map((name) => {
    const scores = metrics.per_class[name]!;
    return [escapeCell(name), formatFixed(scores.precision), formatFixed(scores.recall), formatFixed(scores.f1), formatCount(scores.support)];
  });
  const confusion = metrics.confusion_matrix.matrix.map((row, i) => [escapeCell(labels[i]!), ...row.map(formatCount)]);
  return [
    `## Metrics\n\n${table(['Metric', 'Value'], rows, ['l', 'r'])}${notesList(metrics.notes)}`,
    `### Per class\n\n${table(['Class', 'Precision', 'Recall', 'F1', 'Support'], perClass, ['l', 'r', 'r', 'r', 'r'])}`,
    `### Confusion matrix\n\nRows are true classes, columns predicted ones.\n\n${table(
      ['true / predicted', ...labels.map(escapeCell)],
      confusion,
      ['l', ...labels.map(() => 'r' as const)],
    )}`,
  ].join('\n\n');
}

function groupSection(group: GroupMetrics): string {
  const rows = group.groups.map((result) => [
    escapeCell(result.value) + (result.inGaps ? '' : ' *'),
    formatCount(result.support),
    ...group.metrics.map((name) => formatFixed(result.metrics[name])),
  ]);
  const gaps = group.metrics.map((name) => {
    const gap = group.gaps[name]!;
    const side = (end: { group: string; value: number } | null): string => (end === null ? 'n/a' : `${escapeCell(end.group)} (${formatFixed(end.value)})`);
    return [name, formatFixed(gap.gap), side(gap.highest), side(gap.lowest)];
  });
  const excluded = group.groups.some((result) => !result.inGaps) ? `\n\n\\* fewer than ${group.minSupport} rows: left out of the gaps.` : '';
  return [
    `## Metrics by ${code(group.column, false)}`,
    table(['Group', 'Support', ...group.metrics], rows, ['l', 'r', ...group.metrics.map(() => 'r' as const)]) + excluded,
    `Largest gap between groups:\n\n${table(['Metric', 'Gap', 'Highest', 'Lowest'], gaps, ['l', 'r', 'l', 'l'])}`,
  ].join('\n\n');
}

function importanceSection(importance: PermutationImportance): string {
  const rows = importance.features.map((feature, i) => [String(i + 1), escapeCell(feature.feature), formatFixed(feature.mean), formatFixed(feature.std)]);
  const intro =
    `Drop in ${importance.metric} when one feature's values are shuffled across rows ` +
    `(${importance.repeats} repeat${importance.repeats === 1 ? '' : 's'}, seed ${escapeCell(String(importance.seed))}); ` +
    `${importance.metric} unshuffled: ${formatFixed(importance.baseline)}.`;
  return `## Feature importance\n\n${intro}\n\n${table(['Rank', 'Feature', 'Mean drop', 'Std'], rows, ['r', 'l', 'r', 'r'])}`;
}

function gatesSection(gates: GateReport): string {
  if (gates.results.length === 0) return '## Gates\n\nNo gates were declared.';
  const verdict = gates.passed ? `All ${gates.results.length} gates passed.` : `**${gates.failed} of ${gates.results.length} gates failed.**`;
  const baseline =
    gates.baseline === null
      ? ''
      : ` Compared with ${gates.baseline.ref === null ? 'a baseline model' : code(gates.baseline.ref, false)}, allowing a regression of ${gates.baseline.maxRegression}.`;
  const rows = gates.results.map((result) => [
    code(result.expression),
    formatFixed(result.actual),
    formatFixed(result.threshold),
    result.passed ? 'pass' : `**fail**${result.reason === undefined ? '' : `: ${escapeCell(result.reason)}`}`,
  ]);
  return `## Gates\n\n${verdict}${baseline}\n\n${table(['Gate', 'Actual', 'Threshold', 'Result'], rows, ['l', 'r', 'r', 'l'])}`;
}

function recordSection(title: string, keyHeader: string, record: Record<string, unknown>, empty: string): string {
  const entries = Object.entries(record);
  if (entries.length === 0) return `## ${title}\n\n${empty}`;
  return `## ${title}\n\n${table([keyHeader, 'Value'], entries.map(([key, value]) => [escapeCell(key), freeValue(value)]))}`;
}
