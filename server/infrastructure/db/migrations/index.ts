import { Migration20261123000000InitialSchema } from './Migration20261123000000_initial_schema.ts';
import { Migration20261123120000Scheduling } from './Migration20261123120000_scheduling.ts';
import { Migration20261123130000SamePersonTwiceInOneCrm } from './Migration20261123130000_same_person_twice_in_one_crm.ts';
import { Migration20261123140000RealTime } from './Migration20261123140000_real_time.ts';
import { Migration20261123150000SharedAccessGrants } from './Migration20261123150000_shared_access_grants.ts';
import { Migration20261123160000DedupIndexTuning } from './Migration20261123160000_dedup_index_tuning.ts';
import { Migration20261123170000ProvidersFromRegistry } from './Migration20261123170000_providers_from_registry.ts';
import { Migration20261123180000OauthSignIns } from './Migration20261123180000_oauth_sign_ins.ts';
import { Migration20261202120000AgencyProvisioning } from './Migration20261202120000_agency_provisioning.ts';
import { Migration20261203110000ActivitySignals } from './Migration20261203110000_activity_signals.ts';
import { Migration20261203120000ParkedAndRefused } from './Migration20261203120000_parked_and_refused.ts';
import { Migration20261203130000ContactFeed } from './Migration20261203130000_contact_feed.ts';
import { Migration20261204090000RescorePending } from './Migration20261204090000_rescore_pending.ts';
import { Migration20261204100000Erasure } from './Migration20261204100000_erasure.ts';
import { Migration20261204110000MappingReview } from './Migration20261204110000_mapping_review.ts';
import { Migration20261204120000PlatformConsent } from './Migration20261204120000_platform_consent.ts';
import { Migration20261205090000BoundedGrowth } from './Migration20261205090000_bounded_growth.ts';
import { Migration20261205100000RateBudgets } from './Migration20261205100000_rate_budgets.ts';
import { Migration20261205110000CredentialsChangedAt } from './Migration20261205110000_credentials_changed_at.ts';
import { Migration20261205120000WithdrawnActivities } from './Migration20261205120000_withdrawn_activities.ts';
import { Migration20261205140500ReconcileFailures } from './Migration20261205140500_reconcile_failures.ts';
import { Migration20261205150000ChangedXidShortcut } from './Migration20261205150000_changed_xid_shortcut.ts';

/** Every migration, in order. New migrations are committed files appended here. */
export const migrations = [
  { name: 'Migration20261123000000_initial_schema', class: Migration20261123000000InitialSchema },
  { name: 'Migration20261123120000_scheduling', class: Migration20261123120000Scheduling },
  {
    name: 'Migration20261123130000_same_person_twice_in_one_crm',
    class: Migration20261123130000SamePersonTwiceInOneCrm,
  },
  { name: 'Migration20261123140000_real_time', class: Migration20261123140000RealTime },
  { name: 'Migration20261123150000_shared_access_grants', class: Migration20261123150000SharedAccessGrants },
  { name: 'Migration20261123160000_dedup_index_tuning', class: Migration20261123160000DedupIndexTuning },
  {
    name: 'Migration20261123170000_providers_from_registry',
    class: Migration20261123170000ProvidersFromRegistry,
  },
  { name: 'Migration20261123180000_oauth_sign_ins', class: Migration20261123180000OauthSignIns },
  {
    name: 'Migration20261202120000_agency_provisioning',
    class: Migration20261202120000AgencyProvisioning,
  },
  { name: 'Migration20261203110000_activity_signals', class: Migration20261203110000ActivitySignals },
  { name: 'Migration20261203120000_parked_and_refused', class: Migration20261203120000ParkedAndRefused },
  { name: 'Migration20261203130000_contact_feed', class: Migration20261203130000ContactFeed },
  { name: 'Migration20261204090000_rescore_pending', class: Migration20261204090000RescorePending },
  { name: 'Migration20261204100000_erasure', class: Migration20261204100000Erasure },
  { name: 'Migration20261204110000_mapping_review', class: Migration20261204110000MappingReview },
  { name: 'Migration20261204120000_platform_consent', class: Migration20261204120000PlatformConsent },
  { name: 'Migration20261205090000_bounded_growth', class: Migration20261205090000BoundedGrowth },
  { name: 'Migration20261205100000_rate_budgets', class: Migration20261205100000RateBudgets },
  {
    name: 'Migration20261205110000_credentials_changed_at',
    class: Migration20261205110000CredentialsChangedAt,
  },
  { name: 'Migration20261205120000_withdrawn_activities', class: Migration20261205120000WithdrawnActivities },
  { name: 'Migration20261205140500_reconcile_failures', class: Migration20261205140500ReconcileFailures },
  { name: 'Migration20261205150000_changed_xid_shortcut', class: Migration20261205150000ChangedXidShortcut },
];
