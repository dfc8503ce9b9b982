import type { ContactIdentity } from './contact.dto.ts';
import type { CrmProvider } from './provider.dto.ts';

/** `engagement.reportEmail`: whether the event was new, and the contact's score after it. */
export type EmailReportResult = { recorded: boolean; intentScore: number };

/** `engagement.contact`: a contact as the host sees it, with its score, hot-lead time and CRM links. */
export type EngagementContact = ContactIdentity & {
  nurtureCategory: string;
  marketingConsent: string;
  intentScore: number;
  hotLeadAt: string | null;
  /** The signals behind the score when it was last computed, largest part first, each after its decay. */
  scoreReasons: Array<{ type: string; occurredAt: string; weight: number; contribution: number }>;
  externalIds: Array<{
    provider: CrmProvider;
    externalId: string;
    active: boolean;
    crmModifiedAt: string | null;
  }>;
};

/** `hostWebhooks.get`: the host's webhook endpoint, if one is configured (the secret never comes back). */
export type HostWebhookSettings = { url: string | null; configured: boolean };
export type HostWebhookConfigured = { url: string; configured: true };
export type HostWebhookRemoved = { configured: false };
