import { useId, useState, type FormEvent } from 'react';
import type { ProviderInfo } from '../../../shared/api/provider.dto.ts';
import type { CrmProvider } from '../../../shared/api/provider.dto.ts';
import { SelectOptions } from './SelectOptions.tsx';
import '../styles/propsync.css';

/** A CRM as the providers API describes it, with the fields its connect form asks for. */
export type ConnectableProvider = Pick<ProviderInfo, 'id' | 'displayName' | 'authKind' | 'connectFields'> & {
  /** The admin can connect by signing in at the CRM (OAuth redirect) instead of entering credentials. */
  oauthSignIn?: boolean;
};

export type ConnectRequest = {
  provider: CrmProvider;
  credentials: Record<string, string>;
  settings: Record<string, string>;
};

export type ConnectFormProps = {
  /** CRMs that can be connected now (available and not already connected). */
  providers: ConnectableProvider[];
  /** Preselects a provider, e.g. when reconnecting one. */
  initialProvider?: CrmProvider | undefined;
  onSubmit: (request: ConnectRequest) => void;
  /** Starts a sign-in at the CRM (OAuth redirect), with any settings entered; shown where offered. */
  onSignIn?: (request: Omit<ConnectRequest, 'credentials'>) => void;
  onCancel?: () => void;
  submitting?: boolean;
  /** The server's answer when connecting failed, e.g. "Reapit rejected the credentials". */
  error?: string | null;
  /** The form's heading and accessible name. */
  title?: string;
  /**
   * reconnect: new credentials for an existing connection; the CRM is fixed to `initialProvider`
   * and settings left empty keep their current values.
   */
  mode?: 'connect' | 'reconnect';
};

const AUTH_HINTS: Record<string, string> = {
  api_key: 'Connect with an API key.',
  oauth_client_credentials: 'Connect with the client id and secret of an app registered in the CRM.',
  bearer_token: 'Connect with an API token.',
};

/**
 * Connects a CRM: pick it, then enter the credentials its API uses (API key or client
 * credentials), or, where offered, sign in at the CRM instead (OAuth redirect). Propsync checks
 * credentials with the CRM before storing them encrypted.
 */
export function ConnectForm({
  providers,
  initialProvider,
  onSubmit,
  onCancel,
  submitting = false,
  error = null,
  title,
  mode = 'connect',
  onSignIn,
}: ConnectFormProps) {
  const reconnecting = mode === 'reconnect';
  const id = useId();
  const [provider, setProvider] = useState<CrmProvider | ''>(
    initialProvider ?? (providers.length === 1 ? providers[0]!.id : ''),
  );
  const [values, setValues] = useState<Record<string, string>>({});
  const selected = providers.find((candidate) => candidate.id === provider);
  const heading = title ?? (reconnecting && selected ? `Reconnect ${selected.displayName}` : 'Connect a CRM');
  const fields = selected?.connectFields ?? null;

  if (providers.length === 0) {
    return (
      <p className="propsync-muted" data-testid="connect-form-empty">
        Every CRM Propsync supports is already connected.
      </p>
    );
  }

  const pick = (names: readonly { name: string }[]) =>
    Object.fromEntries(
      names
        .map((field) => [field.name, values[`${provider}.${field.name}`]?.trim() ?? ''])
        .filter(([, value]) => value !== ''),
    );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!provider || !fields) return;
    onSubmit({ provider, credentials: pick(fields.credentials), settings: pick(fields.settings) });
  };

  return (
    <form
      className="propsync-connect-form"
      aria-labelledby={`${id}-title`}
      onSubmit={submit}
      data-testid="connect-form"
    >
      <h2 id={`${id}-title`} className="propsync-section-title">
        {heading}
      </h2>
      <label className="propsync-field">
        <span className="propsync-field__label">CRM</span>
        <select
          className="propsync-input"
          value={provider}
          required
          disabled={reconnecting}
          onChange={(event) => setProvider(event.target.value as CrmProvider | '')}
        >
          <option value="">Choose your CRM…</option>
          <SelectOptions
            options={providers.map(({ id, displayName }) => ({ value: id, label: displayName }))}
          />
        </select>
      </label>
      {selected?.oauthSignIn && onSignIn && fields ? (
        <div className="propsync-connect-form__sign-in">
          <button
            type="button"
            className="propsync-button"
            disabled={submitting}
            onClick={() => onSignIn({ provider: selected.id, settings: pick(fields.settings) })}
          >
            {reconnecting ? 'Sign in again with' : 'Sign in with'} {selected.displayName}
          </button>
          <p className="propsync-muted">
            You will be taken to {selected.displayName} to allow Propsync, then brought back here. Or enter
            the credentials of an app registered in {selected.displayName} below.
          </p>
        </div>
      ) : null}
      {selected ? <p className="propsync-muted">{AUTH_HINTS[selected.authKind] ?? ''}</p> : null}
      {reconnecting ? (
        <p className="propsync-muted">
          Enter new credentials. Settings left empty keep their current values.
        </p>
      ) : null}
      {fields
        ? [
            ...fields.credentials,
            // When reconnecting, the stored settings apply unless replaced.
            ...fields.settings.map((field) => (reconnecting ? { ...field, required: false } : field)),
          ].map((field) => {
            const key = `${provider}.${field.name}`;
            const inputId = `${id}-${provider}-${field.name}`;
            const hintId = field.hint ? `${inputId}-hint` : undefined;
            return (
              <div key={key} className="propsync-field">
                <label htmlFor={inputId} className="propsync-field__label">
                  {field.label}
                  {field.required ? '' : ' (optional)'}
                </label>
                <input
                  id={inputId}
                  className="propsync-input"
                  name={field.name}
                  type={field.secret ? 'password' : 'text'}
                  autoComplete={field.secret ? 'new-password' : 'off'}
                  required={field.required ?? false}
                  placeholder={field.placeholder}
                  aria-describedby={hintId}
                  value={values[key] ?? ''}
                  onChange={(event) => setValues((current) => ({ ...current, [key]: event.target.value }))}
                />
                {field.hint ? (
                  <span id={hintId} className="propsync-field__hint">
                    {field.hint}
                  </span>
                ) : null}
              </div>
            );
          })
        : null}
      {error ? (
        <p className="propsync-notice propsync-notice--error" role="alert" data-testid="connect-error">
          {error}
        </p>
      ) : null}
      <div className="propsync-connect-form__actions">
        <button type="submit" className="propsync-button" disabled={!provider || submitting}>
          {submitting
            ? 'Checking with the CRM…'
            : selected
              ? `${reconnecting ? 'Reconnect' : 'Connect'} ${selected.displayName}`
              : 'Connect'}
        </button>
        {onCancel ? (
          <button type="button" className="propsync-button propsync-button--secondary" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
