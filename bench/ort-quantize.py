#!/usr/bin/env python3
"""ONNX Runtime's own quantization of one model, the reference bench/compress.mjs compares against.

Given a float32 model.onnx (one float32 input) and calibration rows (a .npy float32 array shaped
[count, ...the input's row dims], as the model takes them), writes into OUT_DIR:

  ort-dynamic-qint8.onnx             quantize_dynamic(weight_type=QInt8, per_channel=False)
  ort-dynamic-qint8-perchannel.onnx  quantize_dynamic(weight_type=QInt8, per_channel=True)
  ort-static-qdq-minmax.onnx         quantize_static(QDQ, activations QInt8, weights QInt8, MinMax)
  ort-static-qdq-percentile.onnx     the same with Percentile (99.999, ORT's default)
  ort-static-qoperator-minmax.onnx   quantize_static(QOperator, activations QUInt8, weights QInt8,
                                     MinMax): QLinearMatMul/QLinearConv; x86 ORT runs QOperator
                                     with uint8 activations (its documented default for the format)

Static variants are per-tensor and feed every calibration row as its own batch-1 call, like the
peer's bench (/work/shared/peers/bench_quant.py); no quant_pre_process step. A variant ORT refuses
is reported with its error instead of a path. Prints one JSON line:
  {"onnxruntime": "1.30.0", "calibrationRows": N, "variants": [{"name", "path" | "error", "quantizeS", "settings"}]}

Usage: /tmp/peers/bin/python bench/ort-quantize.py MODEL.onnx CALIBRATION.npy OUT_DIR [--only NAME,...]
"""
import argparse
import contextlib
import json
import logging
import os
import sys
import time


def reader(input_name, rows):
    from onnxruntime.quantization import CalibrationDataReader

    class Rows(CalibrationDataReader):
        def __init__(self):
            self.rows = iter([{input_name: rows[i:i + 1]} for i in range(rows.shape[0])])

        def get_next(self):
            return next(self.rows, None)

    return Rows()


def variants(model, rows, input_name):
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_dynamic, quantize_static

    def dynamic(per_channel):
        return lambda out: quantize_dynamic(model, out, weight_type=QuantType.QInt8, per_channel=per_channel)

    def static(fmt, activation, method, extra=None):
        return lambda out: quantize_static(model, out, reader(input_name, rows), quant_format=fmt, activation_type=activation,
                                           weight_type=QuantType.QInt8, calibrate_method=method, per_channel=False,
                                           extra_options=extra or {})

    return [
        ("ort-dynamic-qint8", "quantize_dynamic QInt8 per-tensor", dynamic(False)),
        ("ort-dynamic-qint8-perchannel", "quantize_dynamic QInt8 per-channel", dynamic(True)),
        ("ort-static-qdq-minmax", "quantize_static QDQ S8S8 MinMax per-tensor",
         static(QuantFormat.QDQ, QuantType.QInt8, CalibrationMethod.MinMax)),
        ("ort-static-qdq-percentile", "quantize_static QDQ S8S8 Percentile 99.999 per-tensor",
         static(QuantFormat.QDQ, QuantType.QInt8, CalibrationMethod.Percentile)),
        ("ort-static-qoperator-minmax", "quantize_static QOperator U8S8 MinMax per-tensor",
         static(QuantFormat.QOperator, QuantType.QUInt8, CalibrationMethod.MinMax)),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("calibration", help=".npy float32 [count, ...row dims]")
    parser.add_argument("out_dir")
    parser.add_argument("--only", default="", help="comma-separated variant names (default: all)")
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.ERROR)
    import numpy as np
    import onnx
    import onnxruntime

    rows = np.ascontiguousarray(np.load(args.calibration).astype(np.float32))
    graph = onnx.load(args.model).graph
    initializers = {t.name for t in graph.initializer}
    inputs = [i.name for i in graph.input if i.name not in initializers]
    if len(inputs) != 1:
        sys.exit("ort-quantize: the model must have one input, it has %s" % inputs)
    os.makedirs(args.out_dir, exist_ok=True)
    only = set(filter(None, args.only.split(",")))
    results = []
    for name, settings, run in variants(args.model, rows, inputs[0]):
        if only and name not in only:
            continue
        out = os.path.join(args.out_dir, name + ".onnx")
        start = time.perf_counter()
        try:
            with contextlib.redirect_stdout(sys.stderr):  # ORT's calibrators print progress
                run(out)
            results.append({"name": name, "path": out, "quantizeS": round(time.perf_counter() - start, 4), "settings": settings})
        except Exception as error:  # a variant ORT cannot make is a result, not a crash
            results.append({"name": name, "error": str(error).split("\n")[0][:300], "settings": settings})
        print("%s: %s" % (name, results[-1].get("path") or results[-1]["error"]), file=sys.stderr)
    print(json.dumps({"onnxruntime": onnxruntime.__version__, "calibrationRows": int(rows.shape[0]), "variants": results}))


if __name__ == "__main__":
    main()
