/**
 * Seeded pseudo-random numbers: Mulberry32 (Tommy Ettinger, public domain). Its whole state is one
 * 32-bit integer, so sketches that draw from it can store the state and stay reproducible after a
 * JSON round trip. Statistical quality is ample for coin flips; it is not a cryptographic generator.
 */

export interface RandomStep {
  /** Uniform unsigned 32-bit integer. */
  value: number;
  /** State to pass to the next call. */
  state: number;
}

export function nextRandom(state: number): RandomStep {
  const next = (state + 0x6d2b79f5) | 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: (t ^ (t >>> 14)) >>> 0, state: next >>> 0 };
}

/** A stateful generator of uniform numbers in [0, 1) for tests and examples. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    const step = nextRandom(state);
    state = step.state;
    return step.value / 2 ** 32;
  };
}
