import { Webhook } from 'standardwebhooks';
import { egressRefusalOf } from '../../infrastructure/egress/egress-fetch.ts';
import type { Logger } from '../../infrastructure/logger.ts';
import type { CredentialVault } from '../../infrastructure/vault/credential-vault.ts';
import type { DueHostEvent, HostEventStore } from '../../core/ports/host-event-store.ts';

/** Host webhook secrets are bound to the agency; this stands in for the connection in the binding. */
export const HOST_WEBHOOK_BINDING = 'host-webhook';

const MAX_ATTEMPTS = 15;
const BATCH = 50;
const TIMEOUT_MS = 10_000;
/** How long a claimed event stays claimed: a process that dies mid-delivery leaves it due again. */
const CLAIM_LEASE_SECONDS = 60;

/**
 * Events for the host application (hot leads, contact changes), signed with Standard Webhooks and
 * retried with exponential backoff and jitter. Safe on every process: each claims its events with
 * `skip locked`. An event the host keeps refusing stays recorded as failed with its last error.
 */
export class HostEventDispatcher {
  readonly #store: HostEventStore;
  readonly #vault: CredentialVault;
  readonly #logger: Logger;
  readonly #fetch: typeof fetch;

  constructor(deps: {
    store: HostEventStore;
    vault: CredentialVault;
    logger: Logger;
    fetchImplementation?: typeof fetch;
  }) {
    this.#store = deps.store;
    this.#vault = deps.vault;
    this.#logger = deps.logger;
    this.#fetch = deps.fetchImplementation ?? fetch;
  }

  /** Delivers the events that are due; returns how many were attempted. */
  async deliverDue(): Promise<number> {
    // Claim with a lease instead of holding a transaction open across HTTP calls: a process that
    // dies mid-delivery leaves its events due again a minute later.
    const due = await this.#store.claimDue(BATCH, CLAIM_LEASE_SECONDS);
    await Promise.all(
      due.map(async (event) => {
        const outcome = await this.#deliver(event);
        if (outcome.ok) await this.#store.markDelivered(event.id);
        else {
          await this.#store.markFailed(event.id, {
            error: outcome.error,
            maxAttempts: MAX_ATTEMPTS,
            retryInSeconds: retryDelaySeconds(event.attempts + 1),
          });
        }
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

  async #deliver(event: DueHostEvent): Promise<{ ok: true } | { ok: false; error: string }> {
    try {
      const secret = this.#vault.decrypt<string>(event.hostWebhookSecret, {
        organisationId: event.organisationId,
        connectionId: HOST_WEBHOOK_BINDING,
      });
      const body = JSON.stringify({
        type: event.type,
        timestamp: event.createdAt.toISOString(),
        data: event.payload,
      });
      // The event id is the message id, so a host that receives a retry can tell it is the same event.
      const sentAt = new Date();
      const signature = new Webhook(secret).sign(event.id, sentAt, body);
      const response = await this.#fetch(event.hostWebhookUrl, {
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
