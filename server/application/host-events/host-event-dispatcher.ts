import { Webhook } from 'standardwebhooks';
import type { EntityManager } from '../../infrastructure/db/orm.ts';
import { egressRefusalOf } from '../../infrastructure/egress/egress-fetch.ts';
import type { Logger } from '../../infrastructure/logger.ts';
import type { CredentialVault } from '../../infrastructure/vault/credential-vault.ts';

/** Host webhook secrets are bound to the agency; this stands in for the connection in the binding. */
export const HOST_WEBHOOK_BINDING = 'host-webhook';

const MAX_ATTEMPTS = 15;
const BATCH = 50;
const TIMEOUT_MS = 10_000;

type DueEvent = {
  id: string;
  organisation_id: string;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
  host_webhook_url: string;
  host_webhook_secret: unknown;
};

/**
 * Events for the host application (hot leads, contact changes), signed with Standard Webhooks and
 * retried with exponential backoff and jitter. Safe on every process: each claims its events with
 * `skip locked`. An event the host keeps refusing stays recorded as failed with its last error.
 */
export class HostEventDispatcher {
  readonly #em: EntityManager;
  readonly #vault: CredentialVault;
  readonly #logger: Logger;
  readonly #fetch: typeof fetch;

  constructor(deps: {
    em: EntityManager;
    vault: CredentialVault;
    logger: Logger;
    fetchImplementation?: typeof fetch;
  }) {
    this.#em = deps.em;
    this.#vault = deps.vault;
    this.#logger = deps.logger;
    this.#fetch = deps.fetchImplementation ?? fetch;
  }

  /** Delivers the events that are due; returns how many were attempted. */
  async deliverDue(): Promise<number> {
    // Claim with a lease instead of holding a transaction open across HTTP calls: a process that
    // dies mid-delivery leaves its events due again a minute later.
    const due = await this.#em.fork().execute<DueEvent[]>(
      `with claimed as (
         select e.id from host_events e join organisations o on o.id = e.organisation_id
         where e.status <> 'delivered' and e.next_attempt_at <= now() and o.host_webhook_url is not null
         order by e.next_attempt_at limit ? for update of e skip locked)
       update host_events e set next_attempt_at = now() + interval '60 seconds'
       from claimed, organisations o
       where e.id = claimed.id and o.id = e.organisation_id
       returning e.id, e.organisation_id, e.type, e.payload, e.attempts, e.created_at, o.host_webhook_url, o.host_webhook_secret`,
      [BATCH],
    );
    await Promise.all(
      due.map(async (event) => {
        const outcome = await this.#deliver(event);
        await this.#em.fork().execute(
          outcome.ok
            ? `update host_events set status = 'delivered', delivered_at = now(), attempts = attempts + 1, last_error = null where id = ?`
            : `update host_events set status = 'failed', attempts = attempts + 1, last_error = ?,
                 next_attempt_at = case when attempts + 1 >= ? then 'infinity'::timestamptz else now() + make_interval(secs => ?) end
               where id = ?`,
          outcome.ok
            ? [event.id]
            : [outcome.error, MAX_ATTEMPTS, retryDelaySeconds(event.attempts + 1), event.id],
        );
        if (!outcome.ok) {
          this.#logger.warn(
            { eventId: event.id, attempts: event.attempts + 1, error: outcome.error },
            'host webhook failed',
          );
        }
      }),
    );
    return due.length;
  }

  async #deliver(event: DueEvent): Promise<{ ok: true } | { ok: false; error: string }> {
    try {
      const secret = this.#vault.decrypt<string>(event.host_webhook_secret, {
        organisationId: event.organisation_id,
        connectionId: HOST_WEBHOOK_BINDING,
      });
      const body = JSON.stringify({
        type: event.type,
        timestamp: new Date(event.created_at).toISOString(),
        data: event.payload,
      });
      // The event id is the message id, so a host that receives a retry can tell it is the same event.
      const sentAt = new Date();
      const signature = new Webhook(secret).sign(event.id, sentAt, body);
      const response = await this.#fetch(event.host_webhook_url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.body?.cancel();
      return response.ok ? { ok: true } : { ok: false, error: `host answered HTTP ${response.status}` };
    } catch (error) {
      const refusal = egressRefusalOf(error);
      if (refusal) return { ok: false, error: `refused: ${refusal.message}` };
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** 5 s, 10 s, 20 s… capped at six hours, with jitter so a recovering host is not hit in lockstep. */
function retryDelaySeconds(attempts: number): number {
  const ceiling = Math.min(5 * 2 ** (attempts - 1), 6 * 60 * 60);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
