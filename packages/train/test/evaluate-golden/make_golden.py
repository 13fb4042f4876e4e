#!/usr/bin/env python3
"""Golden values for packages/train/src/evaluate, computed once with scikit-learn.

Writes evaluate-golden.json next to this file: fixed, seeded inputs and what scikit-learn's
metrics give for them. evaluate.golden.test.ts compares mlship's TypeScript metrics with these
values (1e-12, relative above 1; counts exactly); the tests do not need Python.

Run (scikit-learn is not in the system Python; make a throwaway virtual environment from the
machine's local wheel index):
    python3 -m venv /tmp/sk
    /tmp/sk/bin/pip install --index-url file:///opt/pypi/simple \
        --extra-index-url file:///opt/pypi-more/simple scikit-learn
    /tmp/sk/bin/python packages/train/test/evaluate-golden/make_golden.py

Conventions pinned here, as mlship defines them:
- per-class precision/recall/F1 use zero_division=0 over every declared class (labels=range(k));
- macro and weighted means use scikit-learn's default labels (the classes present in the true or
  the predicted labels), so a declared class seen in neither does not count;
- the predicted class is the most probable one, the first on ties (np.argmax);
- ROC AUC is roc_auc_score on P(class 1), binary tasks only;
- R² is undefined (mlship: null) for a constant target, so no case here has one.
"""
import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn import metrics as skm

OUT = Path(__file__).with_name("evaluate-golden.json")
rng = np.random.default_rng(20250301)


def floats(a):
    return [float(x) for x in np.asarray(a, dtype=np.float64).ravel()]


def ints(a):
    return [int(x) for x in np.asarray(a).ravel()]


def classification_expected(actual, predicted, k, probabilities=None):
    labels = list(range(k))
    p, r, f, s = skm.precision_recall_fscore_support(actual, predicted, labels=labels, average=None, zero_division=0)
    expected = {
        "accuracy": float(skm.accuracy_score(actual, predicted)),
        "per_class": [
            {"precision": float(p[c]), "recall": float(r[c]), "f1": float(f[c]), "support": int(s[c])} for c in labels
        ],
        "confusion_matrix": skm.confusion_matrix(actual, predicted, labels=labels).tolist(),
    }
    for average in ("macro", "weighted"):
        ap, ar, af, _ = skm.precision_recall_fscore_support(actual, predicted, average=average, zero_division=0)
        expected[f"precision_{average}"] = float(ap)
        expected[f"recall_{average}"] = float(ar)
        expected[f"f1_{average}"] = float(af)
    if probabilities is not None:
        expected["log_loss"] = float(skm.log_loss(actual, probabilities, labels=labels))
        if k == 2 and len(set(actual)) == 2:
            scores = probabilities if probabilities.ndim == 1 else probabilities[:, 1]
            expected["roc_auc"] = float(skm.roc_auc_score(actual, scores))
    return expected


def as_matrix(probabilities, k):
    if probabilities.ndim == 1:
        return np.column_stack([1 - probabilities, probabilities])
    return probabilities


def classification_case(name, classes, actual, probabilities=None, predicted=None, groups=None):
    k = len(classes)
    actual = np.asarray(actual)
    if predicted is None:
        predicted = np.argmax(as_matrix(probabilities, k), axis=1)
    case = {"name": name, "classes": classes, "actual": ints(actual)}
    if probabilities is not None:
        case["probabilities"] = floats(probabilities)
        case["probabilities_shape"] = list(probabilities.shape)
    else:
        case["predicted"] = ints(predicted)
    case["expected_predicted"] = ints(predicted)
    case["expected"] = classification_expected(actual, predicted, k, probabilities)
    if groups is not None:
        case["groups"] = [str(g) for g in groups]
        case["expected_groups"] = {}
        for value in sorted(set(case["groups"])):
            rows = np.array([g == value for g in case["groups"]])
            sub_probabilities = None if probabilities is None else probabilities[rows]
            sub = classification_expected(actual[rows], predicted[rows], k, sub_probabilities)
            sub["support"] = int(rows.sum())
            if k == 2:
                sub["positive_rate"] = float(np.mean(predicted[rows] == 1))
            case["expected_groups"][value] = sub
    return case


def regression_expected(actual, predicted):
    return {
        "mae": float(skm.mean_absolute_error(actual, predicted)),
        "mse": float(skm.mean_squared_error(actual, predicted)),
        "rmse": float(skm.root_mean_squared_error(actual, predicted)),
        "r2": float(skm.r2_score(actual, predicted)),
        "max_error": float(skm.max_error(actual, predicted)),
    }


def regression_case(name, actual, predicted, groups=None):
    actual = np.asarray(actual, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.float64)
    case = {"name": name, "actual": floats(actual), "predicted": floats(predicted), "expected": regression_expected(actual, predicted)}
    if groups is not None:
        case["groups"] = [str(g) for g in groups]
        case["expected_groups"] = {}
        for value in sorted(set(case["groups"])):
            rows = np.array([g == value for g in case["groups"]])
            sub = regression_expected(actual[rows], predicted[rows])
            sub["support"] = int(rows.sum())
            case["expected_groups"][value] = sub
    return case


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


classification = []

# Binary, sigmoid-style output (one probability per row), scores on a 0.1 grid: heavy ties, and
# 0.0 / 1.0 probabilities that log loss must clip. 0.5 is a tie of the two classes: class 0 wins.
n = 240
actual = rng.integers(0, 2, n)
raw = np.clip(0.5 + 0.25 * (2 * actual - 1) + rng.normal(0, 0.3, n), 0, 1)
scores = np.round(raw, 1)
sex = rng.choice(["female", "male", "unknown"], n, p=[0.45, 0.45, 0.1])
classification.append(classification_case("binary tie-heavy sigmoid", ["no", "yes"], actual, probabilities=scores, groups=sex))

# Binary, every score the same: AUC exactly 0.5.
actual = rng.integers(0, 2, 40)
classification.append(classification_case("binary all scores tied", ["negative", "positive"], actual, probabilities=np.full((40, 2), 0.5)))

# Binary, two columns, few distinct scores, imbalanced (10% positive).
n = 300
actual = (rng.random(n) < 0.1).astype(int)
p1 = np.round(np.clip(0.1 + 0.5 * actual + rng.normal(0, 0.2, n), 0.01, 0.99), 2)
classification.append(classification_case("binary imbalanced two columns", ["ok", "fraud"], actual, probabilities=np.column_stack([1 - p1, p1])))

# Imbalanced multi-class with softmax probabilities (rows of 4), groups of unequal size.
n = 400
actual = rng.choice(4, n, p=[0.7, 0.2, 0.07, 0.03])
logits = rng.normal(0, 1, (n, 4))
logits[np.arange(n), actual] += 1.5
logits[:, 0] += 0.8
probabilities = softmax(logits)
region = rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1])
classification.append(classification_case("multiclass imbalanced softmax", ["common", "frequent", "rare", "very rare"], actual, probabilities=probabilities, groups=region))

# Labels only: class "c" is never predicted, class "d" is declared but neither present nor
# predicted (left out of the macro means), class "e" is predicted but never present.
actual = rng.choice([0, 1, 2], 60, p=[0.5, 0.35, 0.15])
predicted = np.where(actual == 2, rng.choice([0, 1], 60), actual)
flip = rng.random(60) < 0.2
predicted = np.where(flip, rng.choice([0, 1, 4], 60), predicted)
classification.append(classification_case("never-predicted and absent classes", ["a", "b", "c", "d", "e"], actual, predicted=predicted))

# Many rows: long sums (log loss, weighted means) must still agree to 1e-12.
n = 1500
actual = rng.integers(0, 3, n)
logits = rng.normal(0, 1.2, (n, 3))
logits[np.arange(n), actual] += 1.0
classification.append(classification_case("multiclass 1500 rows", ["x", "y", "z"], actual, probabilities=softmax(logits)))

regression = []
n = 200
x = rng.normal(0, 1, n)
actual = 3 * x + rng.normal(0, 0.5, n)
group = rng.choice(["a", "b", "c"], n)
regression.append(regression_case("linear with noise", actual, 3.1 * x + 0.2, groups=group))
# Predictions worse than the mean: negative R².
regression.append(regression_case("negative r2", actual, -2 * x + rng.normal(0, 1, n)))
# Large values: MSE around 1e10, compared relatively.
actual = rng.normal(1e6, 1e5, 100)
regression.append(regression_case("large scale", actual, actual + rng.normal(0, 5e4, 100)))
# Two rows.
regression.append(regression_case("two rows", [1.5, -2.0], [1.0, 0.0]))

golden = {
    "generator": {
        "script": "packages/train/test/evaluate-golden/make_golden.py",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    },
    "classification": classification,
    "regression": regression,
}
OUT.write_text(json.dumps(golden, separators=(",", ":")) + "\n")
print(f"wrote {OUT}")
