import { Webhook } from 'standardwebhooks';
import { EgressRefusedError, type EgressPolicy } from '../../infrastructure/egress/egress-policy.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { CredentialVault } from '../../infrastructure/vault/credential-vault.ts';
import { HOST_WEBHOOK_BINDING } from './host-event-dispatcher.ts';
import type { HostEventStore } from '../../core/ports/host-event-store.ts';

/**
 * Where an agency's host application receives Propsync's events. The host generates the Standard
 * Webhooks secret (`whsec_…`) and gives it to us; we keep it encrypted and never return it.
 */
export class HostWebhookSettings {
  readonly #store: HostEventStore;
  readonly #vault: CredentialVault;
  readonly #egress: EgressPolicy;

  constructor(deps: { store: HostEventStore; vault: CredentialVault; egress: EgressPolicy }) {
    this.#store = deps.store;
    this.#vault = deps.vault;
    this.#egress = deps.egress;
  }

  async get(organisationId: string): Promise<{ url: string | null; configured: boolean }> {
    const url = await this.#store.webhookUrl(organisationId);
    return { url, configured: Boolean(url) };
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
    await this.#store.setWebhook(organisationId, input.url, envelope);
    return { url: input.url, configured: true };
  }

  /** Stops sending; undelivered events stay recorded. */
  async remove(organisationId: string): Promise<{ configured: false }> {
    await this.#store.clearWebhook(organisationId);
    return { configured: false };
  }
}
