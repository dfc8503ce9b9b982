import type { CrmProvider } from './provider.dto.ts';

export type ConflictWinner = 'crm' | 'platform' | 'mixed';

export type ConflictSummary = {
  id: string;
  contactId: string;
  contactName: string;
  connectionId: string | null;
  provider: CrmProvider | null;
  providerName: string | null;
  syncRunId: string | null;
  differingFields: string[];
  winner: ConflictWinner;
  crmModifiedAt: string;
  platformModifiedAt: string;
  createdAt: string;
};

/** One field of a conflict: both values, which side won and the rule that decided. */
export type ConflictFieldDiff = {
  field: string;
  crmValue: unknown;
  platformValue: unknown;
  winner: 'crm' | 'platform' | null;
  rule: string | null;
};

export type ConflictDetail = ConflictSummary & {
  fields: ConflictFieldDiff[];
  crmVersion: Record<string, unknown>;
  platformVersion: Record<string, unknown>;
};
