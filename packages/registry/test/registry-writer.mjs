// A writer process for the reliability tests: stores `count` versions of one artifact through the
// library, and prints one JSON line per version once it is committed: {ref, digest, fileDigest}
// (after a first line {ready: true}).
// Usage: node registry-writer.mjs REGISTRY NAME WORKER_ID COUNT BYTES
import { createHash } from 'node:crypto';
import { putArtifact } from '../dist/index.js';

const [registry, name, worker, count, bytes] = process.argv.slice(2);
// Tells the test that start-up is over, so its kills land among puts rather than during start-up.
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
for (let i = 0; i < Number(count); i += 1) {
  // Distinct, reproducible content per (worker, i), large enough that a kill may land mid-write.
  const seed = createHash('sha256').update(`${worker}-${i}-${process.pid}`).digest();
  const data = Buffer.alloc(Number(bytes));
  for (let offset = 0; offset < data.length; offset += seed.length) seed.copy(data, offset);
  const fileDigest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const result = await putArtifact({
    registry,
    kind: 'models',
    name,
    files: [{ name: 'weights.bin', data }],
    labels: { worker: String(worker), index: String(i) },
    git: null,
  });
  process.stdout.write(`${JSON.stringify({ ref: result.ref, digest: result.digest, fileDigest })}\n`);
}
