/**
 * Class labels in the label column's own type (signature.json `labelType`, see @mlship/onnx's
 * Signature): `labels` holds them as text, and answers give `1` rather than `"1"`, `true` rather
 * than `"true"`. Without a type they stay text.
 */
export type LabelType = 'string' | 'number' | 'boolean';

export const LABEL_TYPES: readonly LabelType[] = ['string', 'number', 'boolean'];

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

/** The label as a value of its type; undefined when the text is not one (a finite number; true/false, 1/0, yes/no in any case). */
export function typedLabel(label: string, type: LabelType | undefined): string | number | boolean | undefined {
  if (type === 'number') {
    const text = label.trim();
    const value = Number(text);
    return text !== '' && Number.isFinite(value) ? value + 0 : undefined; // + 0: -0 is 0
  }
  if (type === 'boolean') return BOOLEAN_TEXT[label.trim().toLowerCase()];
  return label;
}

/** Why `labels` cannot be answered as `type` (a label that is not one, or two labels that are one value), or undefined. */
export function labelTypeProblem(labels: readonly string[], type: LabelType): string | undefined {
  const seen = new Set<unknown>();
  for (const label of labels) {
    const value = typedLabel(label, type);
    if (value === undefined) return `label ${JSON.stringify(label)} is not a ${type}`;
    if (seen.has(value)) return `two labels are the ${type} ${String(value)}`;
    seen.add(value);
  }
  return undefined;
}
