import type { DatasetSeed } from './define-simulator.ts';
import { peopleOf } from './generated-data.ts';
import type { GeneratedPeople } from './uk-people.ts';

/**
 * What every CRM's dataset holds before its own records: the seed its data is generated from,
 * the shared UK people (formatted the CRM's way: `provider` salts the formatting) and the
 * simulator clock every change reads.
 */
export abstract class DatasetBase {
  readonly seed: number;
  readonly people: GeneratedPeople;
  /** The simulator's clock: every change happens at its `now()`. */
  readonly now: () => number;

  constructor(options: DatasetSeed, provider: string, now: () => number) {
    this.seed = options.seed;
    this.people = peopleOf(options, provider);
    this.now = now;
  }
}
