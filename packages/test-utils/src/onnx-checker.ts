/** onnx's own checker (Debian's python3-onnx), for tests that write ONNX files. */
import { execa } from 'execa';

const PYTHON = '/usr/bin/python3';
const CHECKER = `
import json, sys
try:
    import onnx
except ImportError:
    sys.exit(3)
result = {}
for path in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        result[path] = 'ok'
    except Exception as error:
        result[path] = str(error)
print(json.dumps(result))
`;

/**
 * Runs `onnx.checker.check_model(model, full_check=True)` on each file; returns 'ok' or the
 * checker's message per path. Throws when python3-onnx is missing.
 */
export async function checkWithOnnx(paths: string[]): Promise<Record<string, string>> {
  const result = await execa(PYTHON, ['-c', CHECKER, ...paths], { reject: false });
  if (result.exitCode !== 0) {
    throw new Error(
      `python3-onnx is needed to check exported models (exit ${String(result.exitCode)}: ${result.stderr}); install it with scripts/system-deps.sh`,
    );
  }
  return JSON.parse(result.stdout) as Record<string, string>;
}
