import type { Knobs } from './knobs.js';

/** What every bench section gets from run.ts. */
export interface SectionContext {
  readonly knobs: Knobs;
  readonly repoRoot: string;
  /** Directory of the compiled bench (dist/bench), for spawning bench scripts such as the bare server. */
  readonly benchDistDir: string;
  /** The run's scratch directory; a section makes its own subdirectory. */
  readonly workDir: string;
  readonly log: (line: string) => void;
}

export function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : String(n);
}
