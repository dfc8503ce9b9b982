import type { SeededRandom } from './seeded-random.ts';
import { pickDistinct } from './random-edits.ts';
import { plantedContacts, type GeneratedPeople } from './uk-people.ts';

/*
 * The contact controls and state reads every CRM simulator has, written once over a small
 * description of where the CRM keeps its records: which records a full listing holds, their ids,
 * how GET renders one, and which record each generated person became.
 */

/**
 * What `controls.modifyContacts` does in every CRM: the records `ids` names (an unknown id throws),
 * or `count` (default 1) drawn from `pool` with the control stream; each gets the CRM's random edit
 * when asked, overlaid by `fields` (already checked as the CRM's PATCH body); answers their ids.
 */
export function modifyRecords<R, Patch extends object>(
  modify: {
    ids?: readonly string[] | undefined;
    count?: number | undefined;
    randomChange?: boolean | undefined;
  },
  spec: {
    fields: Patch | undefined;
    /** The record an id names; throws (a RangeError, 404 at `/_sim`) when there is none. */
    byId(id: string): R;
    /** The records a random pick chooses from (unarchived, listed). */
    pool(): readonly R[];
    /** The order of the picked records (default: draw order). */
    order?: (a: R, b: R) => number;
    random: () => SeededRandom;
    randomChange(record: R, random: SeededRandom): Patch;
    /** Applies the edits (the CRM's own patch, which calls `patchOf` once per record). */
    apply(records: R[], patchOf: (record: R) => Patch): void;
    idOf(record: R): string;
  },
): string[] {
  const records =
    modify.ids !== undefined
      ? modify.ids.map((id) => spec.byId(id))
      : pickDistinct(spec.random(), spec.pool(), modify.count ?? 1, spec.order);
  spec.apply(
    records,
    (record) =>
      ({
        ...(modify.randomChange ? spec.randomChange(record, spec.random()) : {}),
        ...spec.fields,
      }) as Patch,
  );
  return records.map((record) => spec.idOf(record));
}

/** A tenant's generated people: who they are, and which were planted as duplicates and namesakes. */
type PeopleHolder = { readonly people: GeneratedPeople };

/**
 * The state reads every simulator has, per tenant (`tenant` omitted: the default one; a CRM with a
 * single tenant ignores it): how many contacts a full listing returns and their ids in creation
 * order, a contact as GET returns it, the generated people, and the planted duplicates and
 * namesakes as contact ids.
 */
export function contactReads<D extends PeopleHolder, R, Rendered>(spec: {
  datasetOf(tenant?: string): D;
  /** The records a full listing returns, in creation order. */
  records(dataset: D): Iterable<R>;
  /** How many there are (default: counting `records`). */
  count?(dataset: D): number;
  idOf(dataset: D, record: R): string;
  byId(dataset: D, id: string): R | undefined;
  render(dataset: D, record: R): Rendered;
  /** The id of the record generated from person `index` (undefined when the CRM no longer holds it). */
  personContactId(dataset: D, index: number): string | undefined;
}) {
  const { datasetOf } = spec;
  const planted = (tenant?: string) => {
    const dataset = datasetOf(tenant);
    return plantedContacts(dataset.people, (index) => spec.personContactId(dataset, index));
  };
  const contactIds = (tenant?: string): string[] => {
    const dataset = datasetOf(tenant);
    return Array.from(spec.records(dataset), (record) => spec.idOf(dataset, record));
  };
  return {
    contactCount: (tenant?: string): number =>
      spec.count ? spec.count(datasetOf(tenant)) : contactIds(tenant).length,
    contactIds,
    getContact(id: string, tenant?: string): Rendered | undefined {
      const dataset = datasetOf(tenant);
      const record = spec.byId(dataset, id);
      return record === undefined ? undefined : spec.render(dataset, record);
    },
    /** The generated people behind the contacts. */
    people: (tenant?: string) => datasetOf(tenant).people.people,
    plantedDuplicates: (tenant?: string) => planted(tenant).duplicates,
    /** Pairs of different contacts that share a full name. */
    namesakes: (tenant?: string) => planted(tenant).namesakes,
  };
}
