import { defineEntity, p } from '@mikro-orm/core';
import type { CrmProvider } from '../../../../shared/providers.ts';
import type { EncryptedEnvelope } from '../../vault/credential-vault.ts';
import { stampedOnCreate } from './base.ts';
import { CrmProviderRecord } from './crm-provider.entity.ts';
import { optionalConnectionOwned, organisationOwned } from './owners.ts';

/**
 * An OAuth sign-in in progress, keyed by the hash of its `state`: the PKCE verifier and the code the
 * provider returned wait here (encrypted) until the agency's connection is completed or it expires.
 */
export const OauthSignIn = defineEntity({
  name: 'OauthSignIn',
  tableName: 'oauth_sign_ins',
  properties: {
    stateHash: p.text().primary(),
    ...organisationOwned,
    provider: p.manyToOne(CrmProviderRecord).mapToPk().fieldName('provider').$type<CrmProvider>(),
    ...optionalConnectionOwned,
    settings: p.json<Record<string, string>>(),
    codeVerifier: p.json<EncryptedEnvelope>(),
    returnTo: p.text(),
    returnedAt: p.datetime().nullable(),
    completionHash: p.text().nullable().unique('oauth_sign_ins_completion_hash_key'),
    authorizationCode: p.json<EncryptedEnvelope>().nullable(),
    expiresAt: p.datetime(),
    createdAt: stampedOnCreate,
  },
  indexes: [{ name: 'oauth_sign_ins_expires_idx', properties: ['expiresAt'] }],
});
