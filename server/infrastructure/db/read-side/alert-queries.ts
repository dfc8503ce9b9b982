import { providerDisplayName } from '../../../adapters/registry.ts';
import type { CrmProvider } from '../../../../shared/providers.ts';
import type { AlertAction, AlertKind } from '../entities/alert.entity.ts';
import type { EntityManager } from '../orm.ts';
import {
  decodeCursor,
  encodeCursor,
  MICROSECOND_TIMESTAMP,
  toIso,
  toIsoRequired,
  type Page,
} from './query-support.ts';
import type { AlertSeverity, AlertView } from '../../../../shared/api/alert.dto.ts';

export type { AlertSeverity, AlertView };

/** open: not resolved and not acknowledged; unresolved: not resolved (acknowledged or not). */
export type AlertStateFilter = 'open' | 'unresolved' | 'all';

type AlertRow = {
  id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
  action: AlertAction | null;
  connection_id: string | null;
  provider: CrmProvider | null;
  contact_id: string | null;
  created_at: Date;
  created_at_exact: string;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
};

const ALERT_SELECT = `select a.id, a.kind, a.severity, a.message, a.action, a.connection_id, c.provider, a.contact_id,
    a.created_at, to_char(a.created_at at time zone 'UTC', ${MICROSECOND_TIMESTAMP}) as created_at_exact,
    a.acknowledged_at, a.resolved_at
  from alerts a left join crm_connections c on c.id = a.connection_id`;

/** Actionable alerts for the agency's admins; acknowledging is the only write. */
export class AlertQueries {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  async list(
    organisationId: string,
    filters: { state: AlertStateFilter; connectionId?: string | undefined },
    page: { cursor?: string | null | undefined; limit: number },
  ): Promise<Page<AlertView>> {
    const where = ['a.organisation_id = ?'];
    const params: unknown[] = [organisationId];
    if (filters.state === 'open') where.push('a.resolved_at is null and a.acknowledged_at is null');
    if (filters.state === 'unresolved') where.push('a.resolved_at is null');
    if (filters.connectionId) {
      where.push('a.connection_id = ?');
      params.push(filters.connectionId);
    }
    const em = this.#em.fork();
    const [counted] = await em.execute<{ count: number }[]>(
      `select count(*)::int as count from alerts a where ${where.join(' and ')}`,
      params,
    );
    const keyset = page.cursor ? decodeCursor(page.cursor, 2) : null;
    if (keyset) {
      where.push('(a.created_at, a.id) < (?::timestamptz, ?::uuid)');
      params.push(keyset[0], keyset[1]);
    }
    const rows = await em.execute<AlertRow[]>(
      `${ALERT_SELECT} where ${where.join(' and ')} order by a.created_at desc, a.id desc limit ?`,
      [...params, page.limit + 1],
    );
    const hasMore = rows.length > page.limit;
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map(toView),
      nextCursor: hasMore && last ? encodeCursor([last.created_at_exact, last.id]) : null,
      totalCount: counted?.count ?? 0,
    };
  }

  /** Marks the alert seen (idempotent: the first acknowledgement time is kept). Null when not this agency's. */
  async acknowledge(organisationId: string, alertId: string): Promise<AlertView | null> {
    const em = this.#em.fork();
    const updated = await em.execute<{ id: string }[]>(
      `update alerts set acknowledged_at = coalesce(acknowledged_at, now())
       where organisation_id = ? and id = ? returning id`,
      [organisationId, alertId],
    );
    if (updated.length === 0) return null;
    const [row] = await em.execute<AlertRow[]>(`${ALERT_SELECT} where a.organisation_id = ? and a.id = ?`, [
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
