/** What `npm run bench` runs: an ordered list of rows, each measuring a ratio within one run. */
export type BenchContext = {
  /** Admin URL of the PostgreSQL every bench makes its own database on. */
  adminUrl: string;
  /** `--quick`: skip or shorten slow rows. */
  quick: boolean;
  /** `--scale`: the 1,000,000-contact variants. */
  scale: boolean;
  /** `--profile-sql`: rows that support it add per-statement timing spans to their details. */
  profileSql: boolean;
  log: (message: string) => void;
  /** Measurements one row makes available to a later one (row 5 reads row 1's import). */
  shared: Map<string, unknown>;
};

export type BenchRowResult = {
  row: string;
  /** What was measured, with its unit. */
  measured: string;
  /** What it is compared with, measured in the same run. */
  baseline: string;
  /** measured ÷ baseline, as a plain number (null where a row only counts). */
  ratio: number | null;
  ratioLabel: string;
  target: string;
  met: boolean | null;
  notes: string;
  details: Record<string, unknown>;
};

export type BenchRow = {
  id: string;
  title: string;
  /** Skipped under --quick. */
  slow?: boolean;
  run: (context: BenchContext) => Promise<BenchRowResult[]>;
};
