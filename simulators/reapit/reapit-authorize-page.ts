/** The sandbox's Reapit Connect pages: the consent form of GET /authorize and its error page. */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

export interface ConsentPageInput {
  clientId: string;
  customerId: string;
  userEmail: string;
  redirectUri: string;
  scopes: readonly string[];
  /** The authorization request's parameters, posted back with the decision. */
  fields: ReadonlyArray<readonly [name: string, value: string]>;
}

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1b1f24; }
  main { max-width: 34rem; margin: 3rem auto; padding: 2rem; background: #fff; border-radius: 8px; }
  h1 { font-size: 1.25rem; margin-top: 0; }
  h2 { font-size: 1.1rem; }
  code { word-break: break-all; }
  .buttons { display: flex; gap: 0.75rem; margin-top: 1.5rem; }
  button { font: inherit; padding: 0.5rem 1.25rem; border-radius: 4px; border: 1px solid #1b1f24; cursor: pointer; }
  button[value='allow'] { background: #0b5cad; border-color: #0b5cad; color: #fff; }
  button:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
  .note { color: #4a5360; font-size: 0.875rem; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Reapit Connect (sandbox)</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Reapit Connect (sandbox)</h1>
${body}
</main>
</body>
</html>
`;
}

/** The consent page: who is signed in, which app asks for which customer, and Allow / Deny. */
export function renderConsentPage(input: ConsentPageInput): string {
  const clientId = escapeHtml(input.clientId);
  const customerId = escapeHtml(input.customerId);
  const scopes =
    input.scopes.length === 0
      ? ''
      : `<p>It asks for these scopes:</p>\n<ul>\n${input.scopes
          .map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`)
          .join('\n')}\n</ul>\n`;
  const hidden = input.fields
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return page(
    'Allow access',
    `<p>Signed in as ${escapeHtml(input.userEmail)}</p>
<h2>Allow ${clientId} to access customer ${customerId}?</h2>
<p>The app <strong>${clientId}</strong> wants to read and change the data of customer <strong>${customerId}</strong> on your behalf.</p>
${scopes}<p>Whatever you choose, you will be sent back to <code>${escapeHtml(input.redirectUri)}</code>.</p>
<form method="post" action="/authorize">
${hidden}
<div class="buttons">
<button name="decision" value="allow">Allow</button>
<button name="decision" value="deny">Deny</button>
</div>
</form>
<p class="note">Sandbox only: there is no password, and no real Reapit data is involved.</p>`,
  );
}

/** Shown instead of redirecting when the client or its redirect URI cannot be trusted. */
export function renderErrorPage(title: string, message: string): string {
  return page(
    title,
    `<h2>${escapeHtml(title)}</h2>
<p>${escapeHtml(message)}</p>
<p class="note">You have not been redirected, because the request could not be verified. Close this page and try again from the app.</p>`,
  );
}
