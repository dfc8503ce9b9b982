import { describe, expect, it } from 'vitest';
import { DEFAULT_FIELD_POLICY, resolveContactFields } from './conflict-resolution.ts';

const base = {
  firstName: 'Ada',
  emails: ['ada@old.example'],
  phones: ['+447700900123'],
  marketingConsent: 'granted',
};

/** Both sides' versions against `base`, the CRM record modified at 10:00 on 20 November, the default policy unless given. */
const resolveAgainstBase = (
  sides: Pick<Parameters<typeof resolveContactFields>[0], 'crm' | 'platform' | 'platformChangedAt'> & {
    policy?: typeof DEFAULT_FIELD_POLICY;
  },
) =>
  resolveContactFields({
    base,
    crmModifiedAt: '2026-11-20T10:00:00Z',
    policy: DEFAULT_FIELD_POLICY,
    ...sides,
  });

describe('resolveContactFields', () => {
  it('takes the CRM version when only the CRM changed', () => {
    const outcome = resolveAgainstBase({
      crm: { ...base, emails: ['ada@new.example'] },
      platform: base,
      platformChangedAt: {},
    });
    expect(outcome.merged.emails).toEqual(['ada@new.example']);
    expect(outcome.conflict).toBeNull();
  });

  it("keeps the CRM's email and the platform's score when both sides changed, and describes the conflict", () => {
    const outcome = resolveAgainstBase({
      crm: { ...base, emails: ['ada@new.example'] },
      platform: { ...base, intentScore: 72 },
      platformChangedAt: { intentScore: '2026-11-20T11:00:00Z' },
    });
    expect(outcome.merged.emails).toEqual(['ada@new.example']);
    expect(outcome.merged).not.toHaveProperty('intentScore');
    expect(outcome.conflict).toEqual({
      differingFields: ['emails', 'intentScore'],
      resolutions: [
        { field: 'emails', winner: 'crm', rule: 'only_crm_changed' },
        { field: 'intentScore', winner: 'platform', rule: 'platform_wins' },
      ],
      winner: 'mixed',
    });
  });

  it('settles a field both sides changed by its rule: CRM wins contact data', () => {
    const outcome = resolveAgainstBase({
      crm: { ...base, emails: ['ada@crm.example'] },
      platform: { ...base, emails: ['ada@app.example'] },
      platformChangedAt: { emails: '2026-11-20T12:00:00Z' },
    });
    expect(outcome.merged.emails).toEqual(['ada@crm.example']);
    expect(outcome.conflict?.resolutions).toEqual([{ field: 'emails', winner: 'crm', rule: 'crm_wins' }]);
  });

  it('lets an opt-out win wherever it was made', () => {
    const outcome = resolveAgainstBase({
      crm: { ...base, marketingConsent: 'not_asked' },
      platform: { ...base, marketingConsent: 'denied' },
      platformChangedAt: { marketingConsent: '2026-11-19T12:00:00Z' },
    });
    expect(outcome.merged.marketingConsent).toBe('denied');
    expect(outcome.platformFieldsToPush).toEqual(['marketingConsent']);
  });

  it('follows a changed policy: most recent write wins when configured', () => {
    const outcome = resolveAgainstBase({
      crm: { ...base, firstName: 'Adah' },
      platform: { ...base, firstName: 'Ada-Mae' },
      platformChangedAt: { firstName: '2026-11-21T12:00:00Z' },
      policy: { ...DEFAULT_FIELD_POLICY, firstName: 'most_recent' },
    });
    expect(outcome.merged.firstName).toBe('Ada-Mae');
  });

  it('keeps a platform edit the CRM did not touch, and marks it for write-back', () => {
    const outcome = resolveAgainstBase({
      crm: base,
      platform: { ...base, phones: ['+447700900999'] },
      platformChangedAt: { phones: '2026-11-21T12:00:00Z' },
    });
    expect(outcome.merged.phones).toEqual(['+447700900999']);
    expect(outcome.platformFieldsToPush).toEqual(['phones']);
    expect(outcome.conflict).toBeNull();
  });
});
