import { describe, expect, it } from 'vitest';
import { PropsyncError } from '../../core/errors.ts';
import { providerInfo } from '../registry.ts';
import { MAX_RESPONSE_BYTES, ProviderHttp } from './provider-http.ts';
import { RequestPacer } from './request-pacer.ts';

/** A client of `provider` at `baseUrl` whose requests `fetchImplementation` answers. */
function httpFor(
  provider: 'reapit' | 'custom',
  baseUrl: string,
  fetchImplementation: typeof fetch,
): ProviderHttp {
  return new ProviderHttp({
    provider: providerInfo(provider)!,
    baseUrl,
    pacer: new RequestPacer({ requests: 100, windowSeconds: 1 }),
    session: null,
    authorise: () => ({}),
    fetchImplementation,
  });
}

function answering(status: number, body: unknown): ProviderHttp {
  return httpFor(
    'reapit',
    'https://platform.reapit.cloud',
    async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status }),
  );
}

async function failureOf(http: ProviderHttp): Promise<PropsyncError> {
  const error = await http.request('POST', 'contacts', { body: {} }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(PropsyncError);
  return error as PropsyncError;
}

describe('ProviderHttp: what a CRM error body may put in a message', () => {
  it('never echoes the text of an error body', async () => {
    for (const body of [
      { description: 'INTERNAL-ONLY: db at 10.0.0.5, user admin' },
      { message: 'INTERNAL-ONLY stack trace …' },
      { error_description: 'INTERNAL-ONLY' },
      { detail: 'INTERNAL-ONLY' },
      'INTERNAL-ONLY plain text page',
    ]) {
      for (const status of [400, 404, 409, 422]) {
        const error = await failureOf(answering(status, body));
        expect(error.message).not.toContain('INTERNAL-ONLY');
        expect(error.message).toContain(`Reapit`);
      }
    }
  });

  it('names the fields a validation error names, and only names that look like fields', async () => {
    const error = await failureOf(
      answering(422, {
        description: 'INTERNAL-ONLY',
        errors: [
          { field: 'email', message: 'INTERNAL-ONLY bad email' },
          { field: 'mobilePhone', message: 'x' },
          { field: '<script>alert(1)</script>', message: 'x' },
          { source: { pointer: '/data/attributes/first_name' }, detail: 'INTERNAL-ONLY' },
        ],
      }),
    );
    expect(error.message).toBe(
      'Reapit rejected the request (HTTP 422): check email, mobilePhone, first_name',
    );
    expect(error.code).toBe('ADAPTER.VALIDATION');
    const keyed = await failureOf(answering(400, { errors: { Surname: ['INTERNAL-ONLY'] } }));
    expect(keyed.message).toBe('Reapit rejected the request (HTTP 400): check Surname');
    const problem = await failureOf(
      answering(422, { title: 'INTERNAL-ONLY', errors: [{ pointer: '/emails/0', detail: 'INTERNAL-ONLY' }] }),
    );
    expect(problem.message).toBe('Reapit rejected the request (HTTP 422): check emails.0');
    const modelState = await failureOf(
      answering(400, { Message: 'INTERNAL-ONLY', ModelState: { 'contact.Email': ['INTERNAL-ONLY'] } }),
    );
    expect(modelState.message).toBe('Reapit rejected the request (HTTP 400): check contact.Email');
  });

  it('repeats a standard OAuth error code, and nothing else of an OAuth error', async () => {
    const error = await failureOf(
      answering(400, { error: 'invalid_grant', error_description: 'INTERNAL-ONLY token 123' }),
    );
    expect(error.message).toBe('Reapit rejected the request (HTTP 400) (invalid_grant)');
    const unknown = await failureOf(answering(400, { error: 'INTERNAL-ONLY' }));
    expect(unknown.message).toBe('Reapit rejected the request (HTTP 400)');
  });
});

describe('ProviderHttp: how much of an answer it reads', () => {
  it('stops reading an answer over the limit and refuses it, without holding it all in memory', async () => {
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 1 MB a chunk, for ever: a hostile "CRM" streaming into the server's memory.
        sent += 1024 * 1024;
        controller.enqueue(new Uint8Array(1024 * 1024).fill(32));
      },
    });
    const http = httpFor(
      'custom',
      'https://crm.example.co.uk',
      async () => new Response(endless, { status: 200 }),
    );
    const error = await http.request('GET', 'contacts').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PropsyncError);
    expect((error as PropsyncError).code).toBe('ADAPTER.BAD_RESPONSE');
    expect((error as PropsyncError).message).toMatch(/more than 16 MB/);
    expect(sent).toBeLessThanOrEqual(MAX_RESPONSE_BYTES + 2 * 1024 * 1024);
  });

  it('reads an ordinary answer whole', async () => {
    const { body } = await answering(200, { items: ['a', 'b'] }).request('GET', 'contacts');
    expect(body).toEqual({ items: ['a', 'b'] });
  });
});

describe('ProviderHttp: record ids that would move a request up the API', () => {
  it('refuses "." and ".." as a path segment, however written, and sends nothing', async () => {
    const sent: string[] = [];
    const http = httpFor('reapit', 'https://platform.reapit.cloud/v1', async (input) => {
      sent.push(String(input));
      return Response.json({});
    });
    for (const id of ['..', '.', '%2e%2E', '.%2e']) {
      await expect(http.request('PATCH', `contacts/${id}`, { body: {} })).rejects.toMatchObject({
        code: 'ADAPTER.BAD_RESPONSE',
        message: expect.stringContaining('"." or ".."'),
      });
    }
    expect(sent).toEqual([]);
    // An id that merely contains dots is an id.
    await http.request('GET', `contacts/${encodeURIComponent('RPT..22')}`);
    expect(sent).toEqual(['https://platform.reapit.cloud/v1/contacts/RPT..22']);
  });
});
