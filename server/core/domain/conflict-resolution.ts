/**
 * Field-level conflict resolution (docs/product-rules.md): when both the CRM and Propsync changed a contact
 * since they last agreed, each field is settled by its rule. The rules are data (the
 * `field_policies` table), so a deployment or an agency can change them.
 */

export type FieldRule = 'crm_wins' | 'platform_wins' | 'most_recent' | 'deny_wins' | 'forward_only';
export type FieldPolicy = Record<string, FieldRule>;

/** The defaults (docs/product-rules.md): the CRM owns who a contact is; Propsync owns how they engage. */
export const DEFAULT_FIELD_POLICY: FieldPolicy = {
  title: 'crm_wins',
  firstName: 'crm_wins',
  lastName: 'crm_wins',
  emails: 'crm_wins',
  phones: 'crm_wins',
  address: 'crm_wins',
  active: 'crm_wins',
  nurtureCategory: 'crm_wins',
  // An opt-out anywhere is an opt-out everywhere.
  marketingConsent: 'deny_wins',
  intentScore: 'platform_wins',
  engagement: 'platform_wins',
  hotLeadAt: 'platform_wins',
};

export type FieldResolution = {
  field: string;
  winner: 'crm' | 'platform';
  rule: FieldRule | 'only_crm_changed' | 'only_platform_changed';
};

export type ResolutionInput = {
  /** The version both sides last agreed on (the link's snapshot). */
  base: Record<string, unknown>;
  /** The CRM's new version (only the fields the CRM carries). */
  crm: Record<string, unknown>;
  /** Propsync's current values for the same fields. */
  platform: Record<string, unknown>;
  /** Fields Propsync changed since the last agreement, with when. */
  platformChangedAt: Record<string, string>;
  crmModifiedAt: string;
  policy: FieldPolicy;
};

export type ResolutionOutcome = {
  /** Values to store for every field the CRM carries. */
  merged: Record<string, unknown>;
  /** Present when both sides changed the record: what the audit row records. */
  conflict: {
    differingFields: string[];
    resolutions: FieldResolution[];
    winner: 'crm' | 'platform' | 'mixed';
  } | null;
  /** Fields where Propsync's value stands and must be written back to the CRM. */
  platformFieldsToPush: string[];
};

export function resolveContactFields(input: ResolutionInput): ResolutionOutcome {
  const merged: Record<string, unknown> = {};
  const resolutions: FieldResolution[] = [];
  const platformFieldsToPush: string[] = [];
  let crmChangedAny = false;
  const platformChangedAny = Object.keys(input.platformChangedAt).length > 0;

  for (const field of Object.keys(input.crm)) {
    const crmValue = input.crm[field];
    const platformValue = input.platform[field];
    const crmChanged = !sameValue(crmValue, input.base[field]);
    const platformChanged = field in input.platformChangedAt && !sameValue(platformValue, input.base[field]);
    crmChangedAny ||= crmChanged;
    if (!platformChanged) {
      merged[field] = crmValue;
      if (crmChanged && platformChangedAny)
        resolutions.push({ field, winner: 'crm', rule: 'only_crm_changed' });
      continue;
    }
    if (!crmChanged || sameValue(crmValue, platformValue)) {
      merged[field] = platformValue;
      if (!sameValue(crmValue, platformValue)) platformFieldsToPush.push(field);
      resolutions.push({ field, winner: 'platform', rule: 'only_platform_changed' });
      continue;
    }
    const rule = input.policy[field] ?? 'most_recent';
    const winner = decide(
      rule,
      crmValue,
      platformValue,
      input.crmModifiedAt,
      input.platformChangedAt[field]!,
    );
    merged[field] = winner === 'crm' ? crmValue : platformValue;
    if (winner === 'platform') platformFieldsToPush.push(field);
    resolutions.push({ field, winner, rule });
  }
  // Propsync-owned fields the CRM never carries (score, engagement) simply survive.
  for (const field of Object.keys(input.platformChangedAt)) {
    if (!(field in input.crm))
      resolutions.push({ field, winner: 'platform', rule: input.policy[field] ?? 'platform_wins' });
  }

  if (!(crmChangedAny && platformChangedAny)) return { merged, conflict: null, platformFieldsToPush };
  const differingFields = [
    ...new Set([...Object.keys(input.crm), ...Object.keys(input.platformChangedAt)]),
  ].filter(
    (field) => field in input.platformChangedAt || !sameValue(input.crm[field], input.platform[field]),
  );
  const winners = new Set(resolutions.map((resolution) => resolution.winner));
  return {
    merged,
    conflict: {
      differingFields: differingFields.sort(),
      resolutions,
      winner: winners.size === 1 ? [...winners][0]! : 'mixed',
    },
    platformFieldsToPush,
  };
}

function decide(
  rule: FieldRule,
  crmValue: unknown,
  platformValue: unknown,
  crmAt: string,
  platformAt: string,
): 'crm' | 'platform' {
  switch (rule) {
    case 'crm_wins':
      return 'crm';
    case 'platform_wins':
      return 'platform';
    case 'most_recent':
      return Date.parse(platformAt) > Date.parse(crmAt) ? 'platform' : 'crm';
    case 'deny_wins':
      if (platformValue === 'denied') return 'platform';
      if (crmValue === 'denied') return 'crm';
      return Date.parse(platformAt) > Date.parse(crmAt) ? 'platform' : 'crm';
    case 'forward_only':
      return Number(platformValue) > Number(crmValue) ? 'platform' : 'crm';
  }
}

/** Structural equality for JSON values; arrays of emails and phones compare as sets. */
export function sameValue(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (left === undefined || right === undefined || left === null || right === null)
    return (left ?? null) === (right ?? null);
  if (Array.isArray(left) && Array.isArray(right)) {
    return (
      left.length === right.length && left.every((item) => right.some((other) => sameValue(item, other)))
    );
  }
  if (typeof left === 'object' && typeof right === 'object') {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    return [...keys].every((key) =>
      sameValue((left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]),
    );
  }
  return false;
}
