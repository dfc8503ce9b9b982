import { providerDisplayName } from '../../../adapters/registry.ts';
import { z } from 'zod';
import { CrmProviderSchema } from '../../../../shared/providers.ts';
import { ALERT_ACTIONS, ALERT_KINDS, ALERT_SEVERITIES } from '../entities/alert.entity.ts';
import type { EntityManager } from '../orm.ts';
import { Sql, sqlTimestamp } from '../sql.ts';
import {
  Conditions,
  countedPage,
  MICROSECOND_TIMESTAMP,
  newestFirst,
  toIso,
  toIsoRequired,
  type Page,
  type PageRequest,
} from './query-support.ts';
import type { AlertSeverity, AlertView } from '../../../../shared/api/alert.dto.ts';

export type { AlertSeverity, AlertView };

/** open: not resolved and not acknowledged; unresolved: not resolved (acknowledged or not). */
export type AlertStateFilter = 'open' | 'unresolved' | 'all';

const AlertRow = z.object({
  id: z.string(),
  kind: z.enum(ALERT_KINDS),
  severity: z.enum(ALERT_SEVERITIES),
  message: z.string(),
  action: z.enum(ALERT_ACTIONS).nullable(),
  connection_id: z.string().nullable(),
  provider: CrmProviderSchema.nullable(),
  contact_id: z.string().nullable(),
  created_at: sqlTimestamp,
  created_at_exact: z.string(),
  acknowledged_at: sqlTimestamp.nullable(),
  resolved_at: sqlTimestamp.nullable(),
});
type AlertRow = z.infer<typeof AlertRow>;

const ALERT_SELECT = `select a.id, a.kind, a.severity, a.message, a.action, a.connection_id, c.provider, a.contact_id,
    a.created_at, to_char(a.created_at at time zone 'UTC', ${MICROSECOND_TIMESTAMP}) as created_at_exact,
    a.acknowledged_at, a.resolved_at
  from alerts a left join crm_connections c on c.id = a.connection_id`;

/** Actionable alerts for the agency's admins; acknowledging is the only write. */
export class AlertQueries {
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
  }

  async list(
    organisationId: string,
    filters: { state: AlertStateFilter; connectionId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<AlertView>> {
    const where = new Conditions('a.organisation_id = ?', organisationId);
    if (filters.state === 'open') where.add('a.resolved_at is null and a.acknowledged_at is null');
    if (filters.state === 'unresolved') where.add('a.resolved_at is null');
    where.whenGiven(filters.connectionId, 'a.connection_id = ?');
    return countedPage(
      this.#sql,
      {
        row: AlertRow,
        countFrom: 'alerts a',
        select: ALERT_SELECT,
        where,
        keyset: newestFirst<AlertRow>('a.created_at', 'a.id', (row) => row.created_at_exact),
        toItem: toView,
      },
      page,
    );
  }

  /** Marks the alert seen (idempotent: the first acknowledgement time is kept). Null when not this agency's. */
  async acknowledge(organisationId: string, alertId: string): Promise<AlertView | null> {
    const updated = await this.#sql.rows(
      z.object({ id: z.string() }),
      `update alerts set acknowledged_at = coalesce(acknowledged_at, now())
       where organisation_id = ? and id = ? returning id`,
      [organisationId, alertId],
    );
    if (updated.length === 0) return null;
    const row = await this.#sql.first(AlertRow, `${ALERT_SELECT} where a.organisation_id = ? and a.id = ?`, [
      organisationId,
      alertId,
    ]);
    return row ? toView(row) : null;
  }
}

function toView(row: AlertRow): AlertView {
  return {
    id: row.id,
    kind: row.kind,
    severity: row.severity,
    message: row.message,
    action: row.action,
    connectionId: row.connection_id,
    provider: row.provider,
    providerName: row.provider ? providerDisplayName(row.provider) : null,
    contactId: row.contact_id,
    createdAt: toIsoRequired(row.created_at),
    acknowledgedAt: toIso(row.acknowledged_at),
    resolvedAt: toIso(row.resolved_at),
  };
}
