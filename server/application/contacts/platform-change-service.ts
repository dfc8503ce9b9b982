import { z } from 'zod';
import type { PlatformChangeResult } from '../../../shared/api/contact.dto.ts';
import {
  PlatformFieldValuesSchema,
  type RecordConsentInput,
  type UpdateContactInput,
} from '../../../shared/platform-changes.ts';
import { normaliseEmail } from '../../core/domain/contact-normalisation.ts';
import { CONSENT_CHANNEL_FIELD, refusedPlatformFields } from '../../core/domain/platform-changes.ts';
import { fieldPolicyFrom } from '../../core/sync/conflict-settlement.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { PlatformChange, PlatformChangeStore } from '../../core/ports/platform-change-store.ts';

/**
 * Changes the host platform makes itself: a consent or opt-out, and new values of the fields the
 * agency's field policy gives the platform. Each is audited and queued to every CRM the contact is
 * linked to; the connection's next cycle writes it, inside that CRM's rate limits.
 */
export class PlatformChangeService {
  readonly #store: PlatformChangeStore;
  readonly #requestPush: (connectionIds: string[]) => Promise<void>;
  readonly #now: () => Date;

  constructor(deps: {
    store: PlatformChangeStore;
    requestPush: (connectionIds: string[]) => Promise<void>;
    now?: () => Date;
  }) {
    this.#store = deps.store;
    this.#requestPush = deps.requestPush;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Consent on a channel a CRM holds reaches its marketing consent; other channels stay in Propsync. */
  recordConsent(
    organisationId: string,
    actor: string,
    input: RecordConsentInput,
  ): Promise<PlatformChangeResult> {
    const field = CONSENT_CHANNEL_FIELD[input.channel];
    return this.#record({
      organisationId,
      contactId: input.contactId,
      consent: { channel: input.channel, status: input.status },
      fields: field ? { [field]: input.status } : {},
      source: input.source,
      actor,
      occurredAt: new Date(input.at).toISOString(),
    });
  }

  /** Refuses the whole change, naming each field the platform may not change, before anything is written. */
  async update(
    organisationId: string,
    actor: string,
    input: UpdateContactInput,
  ): Promise<PlatformChangeResult> {
    const policy = fieldPolicyFrom(await this.#store.fieldPolicy(organisationId));
    const refused = refusedPlatformFields(Object.keys(input.fields), policy);
    if (refused.length > 0) {
      throw new PropsyncError(
        'CONTACT.FIELD_NOT_OWNED',
        `Propsync may not change ${refused.map((each) => `${each.field} (${each.reason})`).join('; ')}. ` +
          'Change such fields in the CRM, or ask the agency to give them to the platform in its field policy',
      );
    }
    const values = PlatformFieldValuesSchema.safeParse(input.fields);
    if (!values.success)
      throw new PropsyncError('REQUEST.INVALID', `Invalid field values: ${z.prettifyError(values.error)}`);
    const fields = values.data.emails
      ? { ...values.data, emails: values.data.emails.map((email) => normaliseEmail(email) ?? email) }
      : values.data;
    return this.#record({
      organisationId,
      contactId: input.contactId,
      consent: null,
      fields,
      source: input.source ?? 'host',
      actor,
      occurredAt: this.#now().toISOString(),
    });
  }

  async #record(change: PlatformChange): Promise<PlatformChangeResult> {
    const recorded = await this.#store.record(change);
    // Another agency's contact is indistinguishable from a missing one.
    if (!recorded) throw new PropsyncError('CONTACT.NOT_FOUND', 'No such contact for this agency');
    await this.#requestPush(recorded.queuedConnectionIds);
    return recorded;
  }
}
