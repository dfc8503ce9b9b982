import { Webhook } from 'standardwebhooks';
import type { EntityManager } from '../../infrastructure/db/orm.ts';
import { EgressRefusedError, type EgressPolicy } from '../../infrastructure/egress/egress-policy.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { CredentialVault } from '../../infrastructure/vault/credential-vault.ts';
import { HOST_WEBHOOK_BINDING } from './host-event-dispatcher.ts';

/**
 * Where an agency's host application receives Propsync's events. The host generates the Standard
 * Webhooks secret (`whsec_…`) and gives it to us; we keep it encrypted and never return it.
 */
export class HostWebhookSettings {
  readonly #em: EntityManager;
  readonly #vault: CredentialVault;
  readonly #egress: EgressPolicy;

  constructor(deps: { em: EntityManager; vault: CredentialVault; egress: EgressPolicy }) {
    this.#em = deps.em;
    this.#vault = deps.vault;
    this.#egress = deps.egress;
  }

  async get(organisationId: string): Promise<{ url: string | null; configured: boolean }> {
    const [row] = await this.#em
      .fork()
      .execute<{ host_webhook_url: string | null }[]>(
        `select host_webhook_url from organisations where id = ?`,
        [organisationId],
      );
    return { url: row?.host_webhook_url ?? null, configured: Boolean(row?.host_webhook_url) };
  }

  async configure(
    organisationId: string,
    input: { url: string; secret: string },
  ): Promise<{ url: string; configured: true }> {
    try {
      new Webhook(input.secret);
    } catch {
      throw new PropsyncError(
        'ADAPTER.VALIDATION',
        'The secret must be a Standard Webhooks secret: "whsec_" followed by base64',
      );
    }
    // Refused now rather than at the first event: the address and where its name resolves today
    // (the dispatcher checks the address again at every connection).
    await this.#egress.vetUrl(input.url).catch((error: unknown) => {
      if (!(error instanceof EgressRefusedError)) throw error;
      throw new PropsyncError('EGRESS.REFUSED', `The webhook address is refused: ${error.message}`);
    });
    const envelope = this.#vault.encrypt(input.secret, {
      organisationId,
      connectionId: HOST_WEBHOOK_BINDING,
    });
    await this.#em
      .fork()
      .execute(
        `update organisations set host_webhook_url = ?, host_webhook_secret = ?::jsonb, updated_at = now() where id = ?`,
        [input.url, JSON.stringify(envelope), organisationId],
      );
    return { url: input.url, configured: true };
  }

  /** Stops sending; undelivered events stay recorded. */
  async remove(organisationId: string): Promise<{ configured: false }> {
    await this.#em
      .fork()
      .execute(
        `update organisations set host_webhook_url = null, host_webhook_secret = null, updated_at = now() where id = ?`,
        [organisationId],
      );
    return { configured: false };
  }
}
