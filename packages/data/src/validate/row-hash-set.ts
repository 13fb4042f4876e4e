/**
 * A set of row hashes (non-negative safe integers, as `hashRow` gives) in one Float64Array with open
 * addressing: 8 bytes a slot, at most 3/4 full, so 11–21 bytes a row, against about 50 for a `Set` of
 * numbers. Finding duplicate rows in one pass needs every row's hash kept; this keeps it small.
 */
const EMPTY = -1;
const MAX_LOAD = 0.75;

export class RowHashSet {
  private slots = new Float64Array(1 << 16).fill(EMPTY);
  private mask = (1 << 16) - 1;
  private count = 0;

  /** Makes room for `rows` hashes at once, sparing the rehashing of growing step by step. */
  reserve(rows: number): void {
    while (MAX_LOAD * this.slots.length < rows) this.grow();
  }

  get size(): number {
    return this.count;
  }

  /** Adds `hash`; returns false when it was already there. */
  add(hash: number): boolean {
    let slot = this.home(hash);
    for (;;) {
      const held = this.slots[slot]!;
      if (held === hash) return false;
      if (held === EMPTY) break;
      slot = (slot + 1) & this.mask;
    }
    this.slots[slot] = hash;
    this.count += 1;
    if (this.count > MAX_LOAD * this.slots.length) this.grow();
    return true;
  }

  has(hash: number): boolean {
    for (let slot = this.home(hash); ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot]!;
      if (held === hash) return true;
      if (held === EMPTY) return false;
    }
  }

  private home(hash: number): number {
    // The low 32 bits, mixed: the hash's low bits come from one FNV lane, the high ones from the other.
    return Math.imul((hash % 0x100000000) ^ Math.floor(hash / 0x100000000), 0x9e3779b1) >>> 0 & this.mask;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2).fill(EMPTY);
    this.mask = this.slots.length - 1;
    this.count = 0;
    for (const hash of old) if (hash !== EMPTY) this.add(hash);
  }
}
