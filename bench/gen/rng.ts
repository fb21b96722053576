/**
 * Seeded randomness for the generators, so a bench run is reproducible and two runs compare like with like.
 * mulberry32: small, fast, good enough for synthetic data (not for anything secret).
 */
export type Rng = () => number;

/** The same mulberry32 the demo's synthetic visitors use. */
export { prng as seededRng } from '../../src/demo/visitors.js';

export function intBetween(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

/** Exponential variate with the given mean (gaps of a Poisson process). */
export function expo(rng: Rng, mean: number): number {
  return -Math.log(1 - rng()) * mean;
}

/** Samples indexes 0..n-1 with weights (cumulative table + binary search). */
export class WeightedIndex {
  private readonly cumulative: Float64Array;

  constructor(readonly weights: readonly number[]) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
  }

  sample(rng: Rng): number {
    const total = this.cumulative[this.cumulative.length - 1]!;
    const x = rng() * total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Zipf-like popularity: weight of rank i is 1 / (i + 1)^s. */
export function zipf(n: number, s = 1.1): WeightedIndex {
  return new WeightedIndex(Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, s)));
}

/** A UUID v4-shaped string from the rng (reproducible, unlike crypto.randomUUID). */
export function uuidFrom(rng: Rng): string {
  const h = () => Math.floor(rng() * 0x100000000).toString(16).padStart(8, '0');
  const a = h();
  const b = h();
  const c = h();
  const d = h();
  const variant = '89ab'[Math.floor(rng() * 4)];
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
}
