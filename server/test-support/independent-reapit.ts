/**
 * An independent Reapit Foundations fixture for tests: written without reading Propsync's Reapit
 * adapter or simulator, from docs/crms/reapit.md and Reapit's public material only
 * (`@reapit/foundations-ts-definitions` 2.1.23 `platform-schema.ts` / `webhook-schema.ts`, the
 * Foundations documentation pages "REST API", "Troubleshooting — Platform API" and "Webhooks").
 * It is test support, not a product simulator: it implements only what Propsync uses, and where
 * the public record is silent it deliberately takes a valid reading other than the obvious one.
 * Each such choice is marked CHOICE below.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

export type IndependentRecord = Record<string, unknown> & { id: string; created: string; modified: string };
type Journal = {
  created: string;
  typeId: string;
  associatedType: string;
  associatedId: string;
  description: string;
};

export type IndependentReapitOptions = {
  clientId: string;
  clientSecret: string;
  customerId: string;
  /**
   * The other reading of the record: `_eTag` in the body without its quotes (the header and the
   * If-Match Reapit expects keep them, as the Troubleshooting page shows).
   */
  bareBodyEtag?: boolean;
  /** Pages without `_links` (optional in the types): only the counts say whether more follow. */
  omitPageLinks?: boolean;
};

/**
 * CHOICE: times carry seven fractional digits (ten-millionths), as the Foundations "REST API" page
 * shows (`2020-02-11T13:32:03.6759302Z`); the types' examples also show whole seconds
 * (`2019-08-14T12:30:02Z`), so callers may store either. Comparisons are made at full precision.
 */
export function reapitTime(ms: number, tenMillionths = 0): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String((ms % 1000) * 10_000 + tenMillionths).padStart(7, '0')}Z`;
}

/** A time as a sortable string with seven digits; a bound with an offset other than Z goes through Date. */
function normalizeTime(value: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z$/.exec(value);
  if (match) return `${match[1]}.${(match[2] ?? '').padEnd(7, '0')}Z`;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new Error('bad time');
  return reapitTime(parsed);
}

/** CHOICE: a strong ETag of 32 upper-case hex digits, in quotes, in the header and in `_eTag` alike. */
function etagOf(record: Record<string, unknown>): string {
  const { _eTag: _ignored, ...rest } = record;
  return `"${createHash('md5').update(JSON.stringify(rest)).digest('hex').toUpperCase()}"`;
}

export function createIndependentReapit(options: IndependentReapitOptions) {
  const contacts = new Map<string, IndependentRecord>();
  const applicants = new Map<string, IndependentRecord>();
  const appointments = new Map<string, IndependentRecord>();
  const offers = new Map<string, IndependentRecord>();
  const journal: Journal[] = [];
  const interferences: Array<(contactId: string) => void> = [];
  const tokens = new Set<string>();
  const requests: {
    method: string;
    path: string;
    query: URLSearchParams;
    headers: IncomingMessage['headers'];
  }[] = [];
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = randomUUID();
  let platformBase = '';
  let clock = 0;

  const withEtag = (record: IndependentRecord): IndependentRecord => ({ ...record, _eTag: etagOf(record) });
  const put = (store: Map<string, IndependentRecord>, record: IndependentRecord) =>
    store.set(record.id, withEtag(record));

  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    // CHOICE: header names in lower case (HTTP/2 style), plus an `x-amzn-requestid` as Reapit's API gateway sends.
    res.writeHead(status, {
      'x-amzn-requestid': randomUUID(),
      ...headers,
      ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }
  const error = (res: ServerResponse, status: number, description: string) =>
    send(res, status, { statusCode: status, dateTime: new Date().toISOString(), description });

  /** The public shape of a record: `_links` absolute (CHOICE), `_embedded` null unless embeds were asked for. */
  function present(kind: string, record: IndependentRecord, embed: string[] = []): Record<string, unknown> {
    const { relationships, ...rest } = record as IndependentRecord & { relationships?: unknown[] };
    const embedded: Record<string, unknown> = {};
    // CHOICE: `embed=relationships` fills `_embedded.relationships` (the REST API page: "embedded
    // resources ... in the _embedded collection"); the type's own `relationships` field "is later
    // removed from the response", so it is never sent.
    if (embed.includes('relationships')) embedded.relationships = relationships ?? [];
    return {
      _links: { self: { href: `${platformBase}/${kind}/${record.id}` } },
      _embedded: Object.keys(embedded).length > 0 ? embedded : null,
      ...rest,
      ...(options.bareBodyEtag ? { _eTag: String(record._eTag).replaceAll('"', '') } : {}),
    };
  }

  function page(
    res: ServerResponse,
    kind: string,
    query: URLSearchParams,
    items: IndependentRecord[],
    embed: string[] = [],
  ) {
    // CHOICE: pageSize is clamped to 100 (not refused), the envelope saying 100.
    const pageSize = Math.min(100, Math.max(1, Number(query.get('pageSize') ?? 25) || 25));
    const pageNumber = Math.max(1, Number(query.get('pageNumber') ?? 1) || 1);
    const sortBy = query.get('sortBy') ?? 'created';
    const field = sortBy.replace(/^-/, '');
    const direction = sortBy.startsWith('-') ? -1 : 1;
    const sorted = [...items].sort((a, b) => {
      const left = normalizeTime(String(a[field] ?? a.created));
      const right = normalizeTime(String(b[field] ?? b.created));
      // CHOICE: records with an equal sort value come in DESCENDING id order (stable, not the obvious ascending).
      return left < right ? -direction : left > right ? direction : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
    });
    const slice = sorted.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    const totalPageCount = Math.ceil(sorted.length / pageSize);
    const link = (n: number) => {
      const next = new URLSearchParams(query);
      next.set('pageNumber', String(n));
      next.set('pageSize', String(pageSize));
      return { href: `${platformBase}/${kind}/?${next.toString()}` };
    };
    send(res, 200, {
      // CHOICE: an empty page leaves `_embedded` out (every envelope field is optional in the types).
      ...(slice.length > 0 ? { _embedded: slice.map((record) => present(kind, record, embed)) } : {}),
      pageNumber,
      pageSize,
      pageCount: slice.length,
      totalPageCount,
      totalCount: sorted.length,
      _links: options.omitPageLinks
        ? undefined
        : {
            self: link(pageNumber),
            first: link(1),
            ...(pageNumber < totalPageCount ? { next: link(pageNumber + 1) } : {}),
            ...(pageNumber > 1 ? { prev: link(pageNumber - 1) } : {}),
            last: link(Math.max(1, totalPageCount)),
          },
    });
  }

  /** Inclusive on both ends, at full precision (the reference does not say; inclusive is assumed by Propsync too). */
  function inWindow(value: string, from: string | null, to: string | null): boolean {
    const time = normalizeTime(value);
    return (from === null || time >= normalizeTime(from)) && (to === null || time <= normalizeTime(to));
  }
  const byIds = (query: URLSearchParams, record: IndependentRecord) =>
    query.getAll('id').length === 0 || query.getAll('id').includes(record.id);
  const modifiedFilter = (query: URLSearchParams) => (record: IndependentRecord) =>
    inWindow(record.modified, query.get('modifiedFrom'), query.get('modifiedTo')) && byIds(query, record);

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function connect(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://connect');
    if (req.method !== 'POST' || url.pathname !== '/token') return error(res, 404, 'Not found');
    const form = new URLSearchParams(await readBody(req));
    const basic = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
    if (req.headers.authorization !== basic || form.get('grant_type') !== 'client_credentials') {
      return send(res, 400, { error: 'invalid_client' });
    }
    const token = randomUUID();
    tokens.add(token);
    send(
      res,
      200,
      { access_token: token, expires_in: 3600, token_type: 'Bearer' },
      { 'cache-control': 'no-store' },
    );
  }

  async function platform(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://platform');
    const method = req.method ?? 'GET';
    // CHOICE: a trailing slash is optional on every path (`/contacts/` as the reference writes it, or `/contacts`).
    const parts = url.pathname.split('/').filter(Boolean);
    const query = url.searchParams;
    requests.push({ method, path: url.pathname, query, headers: req.headers });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer)) return error(res, 401, 'Unauthorized');
    if (parts[0] === 'webhooks' && parts[1] === 'signing' && parts[2] === keyId) {
      // CHOICE: a JWK set with the extra standard members (kty, use, alg) beside kid/crv/x.
      const x = publicKey.export({ format: 'jwk' }).x;
      return send(res, 200, {
        keys: [{ kid: keyId, kty: 'OKP', crv: 'Ed25519', use: 'sig', alg: 'EdDSA', x }],
      });
    }
    if (req.headers['api-version'] !== '2020-01-31') return error(res, 400, 'api-version header is required');
    if (req.headers['reapit-customer'] !== options.customerId) return error(res, 403, 'Forbidden');
    const embed = query.getAll('embed');

    if (parts[0] === 'contacts') {
      if (parts.length === 1 && method === 'GET') {
        return page(res, 'contacts', query, [...contacts.values()].filter(modifiedFilter(query)), embed);
      }
      const contact = contacts.get(parts[1] ?? '');
      if (!contact) return error(res, 404, 'Contact not found');
      if (method === 'GET' && parts.length === 2) {
        return send(res, 200, present('contacts', contact, embed), { etag: String(contact._eTag) });
      }
      if (method === 'PATCH' && parts.length === 2) {
        // An agent's change landing between the caller's read and its write, where a test asks for one.
        const interfering = interferences.shift();
        if (interfering) interfering(contact.id);
        const current = contacts.get(contact.id)!;
        // The If-Match must equal the current eTag, quotes included (Troubleshooting — Platform API).
        if (req.headers['if-match'] !== current._eTag) {
          return error(
            res,
            412,
            'Precondition failed: The ETag provided does not match the current version of this resource.',
          );
        }
        const patch = JSON.parse(await readBody(req)) as Record<string, unknown>;
        // CHOICE: `metadata` in a PATCH REPLACES the app's metadata object (the reference does not
        // say whether it merges); other top-level fields merge as a partial update.
        put(contacts, { ...current, ...patch, id: current.id, created: current.created, modified: tick() });
        return send(res, 204);
      }
    }
    if (parts[0] === 'applicants' && parts.length === 1 && method === 'GET') {
      return page(
        res,
        'applicants',
        query,
        [...applicants.values()].filter((a) => byIds(query, a)),
      );
    }
    if (parts[0] === 'appointments' && parts.length === 1 && method === 'GET') {
      const types = query.getAll('typeId'); // CHOICE: repeated keys only; `typeId=VW,VL` is one (unknown) type.
      const list = [...appointments.values()].filter(
        (a) =>
          modifiedFilter(query)(a) &&
          (types.length === 0 || types.includes(String(a.typeId))) &&
          (query.get('includeCancelled') === 'true' || a.cancelled !== true) &&
          (query.get('includeUnconfirmed') === 'true' || a.attendeeConfirmed !== false),
      );
      return page(res, 'appointments', query, list);
    }
    if (parts[0] === 'offers' && parts.length === 1 && method === 'GET') {
      return page(res, 'offers', query, [...offers.values()].filter(modifiedFilter(query)));
    }
    if (parts[0] === 'journalEntries' && parts.length === 1) {
      if (method === 'POST') {
        const body = JSON.parse(await readBody(req)) as Partial<Journal>;
        if (!body.description)
          return send(res, 422, {
            statusCode: 422,
            dateTime: new Date().toISOString(),
            description: 'Validation failed',
            errors: [{ field: 'description', message: 'required' }],
          });
        journal.push({
          created: tick(),
          typeId: body.typeId ?? 'MI',
          associatedType: body.associatedType ?? '',
          associatedId: body.associatedId ?? '',
          description: body.description,
        });
        return send(res, 204); // CreateJournalEntry answers 204: a journal entry has no id to point a Location at.
      }
      const ids = query.getAll('associatedId');
      const types = query.getAll('typeId');
      const list = journal
        .filter(
          (j) =>
            (!query.get('associatedType') || j.associatedType === query.get('associatedType')) &&
            (ids.length === 0 || ids.includes(j.associatedId)) &&
            (types.length === 0 || types.includes(j.typeId)) &&
            inWindow(j.created, query.get('createdFrom'), query.get('createdTo')),
        )
        // JournalEntryModel has no id; the fixture's ordering tie-break needs one (never sent).
        .map((j, index) => ({ ...j, id: String(index).padStart(6, '0'), modified: j.created }));
      return page(res, 'journalEntries', query, list);
    }
    if (parts[0] === 'resthooks' && method === 'POST') {
      const id = randomUUID();
      return send(res, 201, undefined, { location: `${platformBase}/resthooks/${id}` });
    }
    if (parts[0] === 'resthooks' && method === 'DELETE') return send(res, 204);
    error(res, 404, 'Not found');
  }

  /**
   * The next modification instant: now, or a millisecond after the last one, with a few
   * ten-millionths on top (CHOICE: sub-millisecond digits are never zero, as on a real clock).
   */
  function tick(): string {
    clock = Math.max(clock + 1, Date.now());
    return reapitTime(clock, 4321);
  }

  const serve = (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) =>
    createServer((req, res) => {
      handler(req, res).catch(() => error(res, 500, 'Internal error'));
    });
  const servers: Server[] = [];
  async function listen(
    handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  ): Promise<string> {
    const server = serve(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /**
   * A signed webhook delivery, as Reapit sends it: `X-Signature: s:<keyId>:<unix seconds>:<signature>`,
   * Ed25519 over `<timestamp><raw body>`. CHOICE: the signature is base64url without padding (the
   * page does not name the encoding; the key's `x` is base64url); base64 and hex on request.
   */
  function signDelivery(
    body: string,
    at = Math.floor(Date.now() / 1000),
    key: KeyObject = privateKey,
    encoding: 'base64url' | 'base64' | 'hex' = 'base64url',
  ) {
    const signature = sign(null, Buffer.from(`${at}${body}`), key).toString(encoding);
    return { 'x-signature': `s:${keyId}:${at}:${signature}`, 'content-type': 'application/json' };
  }

  return {
    contacts,
    applicants,
    appointments,
    offers,
    journal,
    requests,
    keyId,
    tick,
    put: (kind: 'contacts' | 'applicants' | 'appointments' | 'offers', record: IndependentRecord) =>
      put({ contacts, applicants, appointments, offers }[kind], record),
    /** Changes a contact as an agent would in AgencyCloud: a new modified time and eTag. */
    edit: (id: string, change: Record<string, unknown>) => {
      const contact = contacts.get(id);
      if (!contact) throw new Error(`no contact ${id}`);
      put(contacts, { ...contact, ...change, modified: tick() });
    },
    signDelivery,
    /** Runs `change` when the next PATCH arrives, before its If-Match is checked (a concurrent edit). */
    interfereWithNextPatch: (change: (contactId: string) => void) => interferences.push(change),
    envelope: (topicId: string, record: IndependentRecord, customerId = options.customerId) =>
      JSON.stringify({
        eventId: randomUUID(),
        SendAttempts: 1,
        entityId: record.id,
        customerId,
        eventTime: new Date().toISOString(),
        topicId,
        new: record,
        old: null,
        diff: null,
      }),
    async start() {
      const connectUrl = await listen(connect);
      platformBase = await listen(platform);
      return { connectUrl, platformUrl: platformBase };
    },
    async close() {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

export type IndependentReapit = ReturnType<typeof createIndependentReapit>;
