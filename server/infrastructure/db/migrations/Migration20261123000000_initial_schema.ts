import { Migration } from '@mikro-orm/migrations';

/**
 * The whole schema the product's rules need (docs/product-rules.md), so later work adds behaviour, not
 * tables. Written by hand: check constraints, partial indexes and the conflict-audit guard
 * trigger are things the schema generator does not express.
 */
export class Migration20261123000000InitialSchema extends Migration {
  override name = 'Migration20261123000000_initial_schema';

  override up(): void {
    this.addSql(`create extension if not exists pgcrypto;`);

    this.addSql(`
      create table crm_providers (
        id text primary key check (id in ('agentos', 'reapit', 'alto', 'street', 'loop', 'custom')),
        display_name text not null
      );`);
    this.addSql(`
      insert into crm_providers (id, display_name) values
        ('agentos', 'agentOS'), ('reapit', 'Reapit'), ('alto', 'Alto'),
        ('street', 'Street'), ('loop', 'Loop'), ('custom', 'Custom CRM');`);

    this.addSql(`
      create table organisations (
        id uuid primary key default gen_random_uuid(),
        name text not null,
        sync_interval_minutes integer not null default 15 check (sync_interval_minutes between 1 and 1440),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);

    this.addSql(`
      create table crm_connections (
        id uuid primary key default gen_random_uuid(),
        organisation_id uuid not null references organisations (id) on delete cascade,
        provider text not null references crm_providers (id)
          check (provider in ('agentos', 'reapit', 'alto', 'street', 'loop', 'custom')),
        status text not null default 'active' check (status in ('active', 'error', 'disconnected')),
        settings jsonb not null default '{}'::jsonb,
        credentials jsonb,
        sync_cursor jsonb,
        sync_interval_minutes integer check (sync_interval_minutes between 1 and 1440),
        webhook_registration jsonb,
        field_mapping_confirmed_at timestamptz,
        last_synced_at timestamptz,
        last_error_at timestamptz,
        last_error_message text,
        failing_since timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        disconnected_at timestamptz,
        unique (organisation_id, provider),
        -- A disconnected connection keeps no credential material.
        check (status <> 'disconnected' or credentials is null)
      );`);

    this.addSql(`
      create table contacts (
        id uuid primary key default gen_random_uuid(),
        organisation_id uuid not null references organisations (id) on delete cascade,
        title text,
        first_name text,
        last_name text,
        emails text[] not null default '{}',
        phones text[] not null default '{}',
        address jsonb,
        postcode text,
        uprn text,
        udprn text,
        nurture_category text not null default 'Unknown'
          check (nurture_category in ('Seller', 'Landlord', 'Buyer', 'Tenant', 'Active Tenant', 'Applicant', 'Unknown')),
        marketing_consent text not null default 'not_asked' check (marketing_consent in ('granted', 'denied', 'not_asked')),
        profile jsonb not null default '{}'::jsonb,
        intent_score numeric(7, 2) not null default 0,
        engagement jsonb not null default '{}'::jsonb,
        hot_lead_at timestamptz,
        -- Normalised keys for deduplication, each behind an index so matching never scans.
        name_key text,
        field_modified_at jsonb not null default '{}'::jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);
    this.addSql(`create index contacts_organisation_idx on contacts (organisation_id, created_at);`);
    this.addSql(`create index contacts_emails_idx on contacts using gin (emails);`);
    this.addSql(`create index contacts_phones_idx on contacts using gin (phones);`);
    this.addSql(
      `create index contacts_name_postcode_idx on contacts (organisation_id, name_key, postcode) where name_key is not null;`,
    );
    this.addSql(`create index contacts_uprn_idx on contacts (organisation_id, uprn) where uprn is not null;`);
    this.addSql(
      `create index contacts_udprn_idx on contacts (organisation_id, udprn) where udprn is not null;`,
    );

    this.addSql(`
      create table contact_external_ids (
        id uuid primary key default gen_random_uuid(),
        contact_id uuid not null references contacts (id) on delete cascade,
        organisation_id uuid not null references organisations (id) on delete cascade,
        connection_id uuid not null references crm_connections (id) on delete cascade,
        provider text not null references crm_providers (id),
        external_id text not null,
        active boolean not null default true,
        crm_modified_at timestamptz,
        etag text,
        content_hash text,
        -- The last version both sides agreed on: the base for field-level conflict detection.
        snapshot jsonb,
        matched_on text[] not null default '{}',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (connection_id, external_id),
        unique (contact_id, provider)
      );`);

    this.addSql(`
      create table activities (
        id uuid primary key default gen_random_uuid(),
        organisation_id uuid not null references organisations (id) on delete cascade,
        contact_id uuid not null references contacts (id) on delete cascade,
        connection_id uuid references crm_connections (id) on delete set null,
        type text not null check (type in ('email_sent', 'email_opened', 'email_clicked', 'viewing_booked',
          'viewing_completed', 'valuation_booked', 'offer_submitted', 'offer_progressed', 'call', 'note')),
        source text not null check (source in ('agentos', 'reapit', 'alto', 'street', 'loop', 'custom', 'propsync')),
        external_id text not null,
        occurred_at timestamptz not null,
        details jsonb not null default '{}'::jsonb,
        created_at timestamptz not null default now(),
        unique (organisation_id, source, external_id, type)
      );`);
    this.addSql(`create index activities_contact_idx on activities (contact_id, occurred_at desc);`);

    this.addSql(`
      create table sync_runs (
        id uuid primary key default gen_random_uuid(),
        connection_id uuid not null references crm_connections (id) on delete cascade,
        organisation_id uuid not null references organisations (id) on delete cascade,
        trigger text not null check (trigger in ('initial', 'schedule', 'manual', 'webhook', 'retry')),
        status text not null default 'running' check (status in ('running', 'succeeded', 'partial', 'failed')),
        full_import boolean not null default false,
        window_start timestamptz,
        window_end timestamptz,
        cursor_before jsonb,
        cursor_after jsonb,
        records_fetched integer not null default 0,
        records_written integer not null default 0,
        records_unchanged integer not null default 0,
        records_pushed integer not null default 0,
        conflicts_count integer not null default 0,
        duplicates_suppressed integer not null default 0,
        errors_count integer not null default 0,
        errors jsonb not null default '[]'::jsonb,
        estimated_total integer,
        started_at timestamptz not null default now(),
        heartbeat_at timestamptz not null default now(),
        finished_at timestamptz
      );`);
    this.addSql(`create index sync_runs_connection_idx on sync_runs (connection_id, started_at desc);`);
    this.addSql(`create index sync_runs_organisation_idx on sync_runs (organisation_id, started_at desc);`);

    this.addSql(`
      create table crm_sync_log (
        id bigint generated always as identity primary key,
        sync_run_id uuid references sync_runs (id) on delete cascade,
        connection_id uuid not null references crm_connections (id) on delete cascade,
        organisation_id uuid not null references organisations (id) on delete cascade,
        entity_type text not null check (entity_type in ('contact', 'activity', 'journal_entry', 'note', 'metadata', 'webhook')),
        direction text not null check (direction in ('inbound', 'outbound')),
        external_id text,
        internal_id uuid,
        status text not null check (status in ('created', 'updated', 'unchanged', 'merged', 'deactivated', 'skipped', 'error')),
        error_code text,
        error text,
        status_code integer,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index crm_sync_log_run_idx on crm_sync_log (sync_run_id, id);`);
    this.addSql(
      `create index crm_sync_log_connection_status_idx on crm_sync_log (connection_id, status, created_at desc);`,
    );

    this.addSql(`
      create table conflict_audit (
        id uuid primary key default gen_random_uuid(),
        organisation_id uuid not null references organisations (id),
        connection_id uuid references crm_connections (id),
        contact_id uuid not null references contacts (id),
        sync_run_id uuid references sync_runs (id),
        crm_version jsonb not null,
        platform_version jsonb not null,
        crm_modified_at timestamptz not null,
        platform_modified_at timestamptz not null,
        differing_fields text[] not null,
        resolutions jsonb not null,
        winner text not null check (winner in ('crm', 'platform', 'mixed')),
        created_at timestamptz not null default now()
      );`);
    this.addSql(
      `create index conflict_audit_organisation_idx on conflict_audit (organisation_id, created_at desc);`,
    );
    // Immutability lives in the database, so no code path (or operator) can rewrite history.
    this.addSql(`
      create function conflict_audit_is_immutable() returns trigger language plpgsql as $$
      begin
        raise exception 'conflict_audit is append-only: % is not allowed', tg_op using errcode = 'P0001';
      end;
      $$;`);
    this.addSql(`
      create trigger conflict_audit_no_update_or_delete before update or delete on conflict_audit
        for each row execute function conflict_audit_is_immutable();`);
    this.addSql(`
      create trigger conflict_audit_no_truncate before truncate on conflict_audit
        for each statement execute function conflict_audit_is_immutable();`);

    this.addSql(`
      create table alerts (
        id uuid primary key default gen_random_uuid(),
        organisation_id uuid not null references organisations (id) on delete cascade,
        connection_id uuid references crm_connections (id) on delete set null,
        contact_id uuid references contacts (id) on delete set null,
        kind text not null check (kind in ('credentials_rejected', 'permission_denied', 'connection_failing',
          'webhook_registration_failed', 'rate_limited', 'hot_lead', 'sync_failed')),
        severity text not null check (severity in ('info', 'warning', 'critical')),
        message text not null,
        action text check (action in ('reconnect', 'check_permissions', 'retry_sync', 'view_contact')),
        dedupe_key text,
        created_at timestamptz not null default now(),
        acknowledged_at timestamptz,
        resolved_at timestamptz
      );`);
    this.addSql(
      `create unique index alerts_open_dedupe_idx on alerts (organisation_id, dedupe_key) where resolved_at is null and dedupe_key is not null;`,
    );

    // Write-back work (emails sent, scores, hot-lead flags, contact fields) waiting for or retrying a CRM write.
    this.addSql(`
      create table outbound_writes (
        id uuid primary key default gen_random_uuid(),
        organisation_id uuid not null references organisations (id) on delete cascade,
        connection_id uuid not null references crm_connections (id) on delete cascade,
        contact_id uuid references contacts (id) on delete cascade,
        kind text not null check (kind in ('journal_entry', 'note', 'metadata', 'contact_update')),
        idempotency_key text not null,
        payload jsonb not null,
        status text not null default 'pending' check (status in ('pending', 'in_flight', 'done', 'failed')),
        attempts integer not null default 0,
        next_attempt_at timestamptz not null default now(),
        last_error_code text,
        last_error text,
        last_status_code integer,
        external_ref text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (connection_id, idempotency_key)
      );`);
    this.addSql(
      `create index outbound_writes_due_idx on outbound_writes (connection_id, next_attempt_at) where status in ('pending', 'failed');`,
    );

    this.addSql(`
      create table webhook_deliveries (
        id uuid primary key default gen_random_uuid(),
        connection_id uuid not null references crm_connections (id) on delete cascade,
        organisation_id uuid not null references organisations (id) on delete cascade,
        delivery_key text not null,
        event_type text not null,
        payload jsonb not null,
        received_at timestamptz not null default now(),
        status text not null default 'pending' check (status in ('pending', 'processed', 'failed')),
        attempts integer not null default 0,
        processed_at timestamptz,
        error text,
        unique (connection_id, delivery_key)
      );`);

    // Signed events Propsync sends to the host application (hot leads, contact changes).
    this.addSql(`
      create table host_events (
        id uuid primary key default gen_random_uuid(),
        organisation_id uuid not null references organisations (id) on delete cascade,
        type text not null,
        payload jsonb not null,
        status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
        attempts integer not null default 0,
        next_attempt_at timestamptz not null default now(),
        last_error text,
        created_at timestamptz not null default now(),
        delivered_at timestamptz
      );`);

    // Field policy as data: which side wins each field, per deployment or per agency.
    this.addSql(`
      create table field_policies (
        id uuid primary key default gen_random_uuid(),
        organisation_id uuid references organisations (id) on delete cascade,
        field text not null,
        rule text not null check (rule in ('crm_wins', 'platform_wins', 'most_recent', 'deny_wins', 'forward_only')),
        created_at timestamptz not null default now(),
        unique nulls not distinct (organisation_id, field)
      );`);
    this.addSql(`
      insert into field_policies (organisation_id, field, rule) values
        (null, 'title', 'crm_wins'), (null, 'firstName', 'crm_wins'), (null, 'lastName', 'crm_wins'),
        (null, 'emails', 'crm_wins'), (null, 'phones', 'crm_wins'), (null, 'address', 'crm_wins'),
        (null, 'active', 'crm_wins'), (null, 'nurtureCategory', 'crm_wins'),
        (null, 'marketingConsent', 'deny_wins'),
        (null, 'intentScore', 'platform_wins'), (null, 'engagement', 'platform_wins'),
        (null, 'hotLeadAt', 'platform_wins');`);
  }

  override down(): void {
    for (const table of [
      'field_policies',
      'host_events',
      'webhook_deliveries',
      'outbound_writes',
      'alerts',
      'conflict_audit',
      'crm_sync_log',
      'sync_runs',
      'activities',
      'contact_external_ids',
      'contacts',
      'crm_connections',
      'organisations',
      'crm_providers',
    ]) {
      this.addSql(`drop table if exists ${table} cascade;`);
    }
    this.addSql(`drop function if exists conflict_audit_is_immutable();`);
  }
}
