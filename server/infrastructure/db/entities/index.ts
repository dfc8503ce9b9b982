import { Activity } from './activity.entity.ts';
import { Alert } from './alert.entity.ts';
import { ConflictAudit } from './conflict-audit.entity.ts';
import { Contact } from './contact.entity.ts';
import { ContactExternalId } from './contact-external-id.entity.ts';
import { CrmConnection } from './crm-connection.entity.ts';
import { CrmProviderRecord } from './crm-provider.entity.ts';
import { CrmSyncLog } from './crm-sync-log.entity.ts';
import { ErasureTombstone } from './erasure.entity.ts';
import { FieldMappingAudit } from './field-mapping-audit.entity.ts';
import { FieldPolicy } from './field-policy.entity.ts';
import { HostEvent } from './host-event.entity.ts';
import { MaintenanceSlot } from './maintenance-slot.entity.ts';
import { OauthSignIn } from './oauth-sign-in.entity.ts';
import { Organisation } from './organisation.entity.ts';
import { OutboundWrite } from './outbound-write.entity.ts';
import { RateBudgetSlot, RateBudgetState } from './rate-budget.entity.ts';
import { RescoreMark } from './rescore-mark.entity.ts';
import { PlatformChange } from './platform-change.entity.ts';
import { SyncRun } from './sync-run.entity.ts';
import { WebhookDelivery } from './webhook-delivery.entity.ts';

/** The explicit entity list handed to MikroORM (no folder discovery). */
export const entities = [
  Activity,
  Alert,
  ConflictAudit,
  Contact,
  ContactExternalId,
  CrmConnection,
  CrmProviderRecord,
  CrmSyncLog,
  ErasureTombstone,
  FieldMappingAudit,
  FieldPolicy,
  HostEvent,
  MaintenanceSlot,
  OauthSignIn,
  Organisation,
  OutboundWrite,
  RateBudgetSlot,
  RateBudgetState,
  RescoreMark,
  PlatformChange,
  SyncRun,
  WebhookDelivery,
];
