import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import pg from 'pg';

/**
 * A newcomer's journey through the integrations page, each step asserted on what a person sees:
 * connect the custom CRM with its sandbox credentials, watch the first import, provoke a field
 * conflict and read it, then disconnect and check what is kept. The e2e webServer leaves the
 * custom CRM simulator running but unconnected (`DEMO_CONNECT` in playwright.config.ts).
 */

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const INTEGRATIONS_PATH = '/dashboard/settings/integrations';
/** `npm start` writes every simulator's address and sandbox credentials here (PROPSYNC_DATA_DIR of the e2e run). */
const SANDBOX_FILE = path.join(REPOSITORY_ROOT, '.data', 'e2e', 'demo-sandboxes.json');
/** The embedded PostgreSQL of the e2e run (EMBEDDED_POSTGRES_PORT in playwright.config.ts), with its generated password. */
function databaseUrl(): string {
  const passwordFile = path.join(REPOSITORY_ROOT, '.data', 'e2e', 'postgres', 'propsync-password');
  const password = encodeURIComponent(fs.readFileSync(passwordFile, 'utf8').trim());
  return `postgres://propsync:${password}@127.0.0.1:54349/propsync`;
}
const SCREENSHOT_DIRECTORY = path.join(REPOSITORY_ROOT, 'test-results', 'journey');

/** A person entered in the CRM before it is connected: only the custom CRM knows them. */
const JOURNEY_PERSON = { firstName: 'Jo', lastName: 'Journey', email: 'jo.journey@example.org' };
const CHANGED_EMAIL = 'jo.journey@newmail.example.org';
/** Slow enough that the first import's progress bar shows for a few refreshes of the page. */
const IMPORT_LATENCY_MS = 2_000;

type Sandbox = {
  provider: string;
  displayName: string;
  url: string;
  credentials: Record<string, string>;
  settings: Record<string, string>;
};

/** "1,248 contacts" → 1248; NaN when the text has no number yet. */
function parseCount(text: string | null): number {
  const digits = (text ?? '').replace(/[^0-9]/g, '');
  return digits === '' ? Number.NaN : Number(digits);
}

async function readSandbox(provider: string): Promise<Sandbox> {
  await expect
    .poll(() => fs.existsSync(SANDBOX_FILE), { message: `${SANDBOX_FILE} should exist`, timeout: 30_000 })
    .toBe(true);
  const sandboxes = JSON.parse(fs.readFileSync(SANDBOX_FILE, 'utf8')) as Sandbox[];
  const sandbox = sandboxes.find((candidate) => candidate.provider === provider);
  if (!sandbox) throw new Error(`no ${provider} simulator in ${SANDBOX_FILE}`);
  return sandbox;
}

/** One call to the simulator's sandbox control surface (`/_sim`). */
async function simulatorControl(
  request: APIRequestContext,
  sandbox: Sandbox,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  route: string,
  body?: unknown,
): Promise<unknown> {
  const response = await request.fetch(`${sandbox.url}/_sim${route}`, {
    method,
    ...(body === undefined ? {} : { data: body }),
  });
  expect(response.ok(), `${method} /_sim${route} answered ${response.status()}`).toBe(true);
  return response.status() === 204 ? null : response.json();
}

/** The host application's side: tRPC over HTTP with the demo agency's admin embed token. */
async function trpc(
  request: APIRequestContext,
  token: string,
  kind: 'query' | 'mutation',
  procedure: string,
  input: unknown,
): Promise<unknown> {
  const headers = { authorization: `Bearer ${token}` };
  const response =
    kind === 'query'
      ? await request.get(`/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, {
          headers,
        })
      : await request.post(`/trpc/${procedure}`, { headers, data: input });
  expect(response.ok(), `${procedure} answered ${response.status()}: ${await response.text()}`).toBe(true);
  return ((await response.json()) as { result: { data: unknown } }).result.data;
}

async function screenshot(page: Page, name: string, target?: Locator): Promise<void> {
  const file = path.join(SCREENSHOT_DIRECTORY, `${name}.png`);
  if (target) await target.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
  await test.info().attach(name, { path: file, contentType: 'image/png' });
}

test.describe('the integrations journey of a newcomer', () => {
  test('connect a CRM, watch the import, read a conflict, disconnect', async ({ page, request }) => {
    test.setTimeout(300_000);
    fs.rmSync(SCREENSHOT_DIRECTORY, { recursive: true, force: true });
    fs.mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const database = new pg.Client({ connectionString: databaseUrl() });
    await database.connect();
    /** Waits until the custom CRM's connection has no cycle running or queued and no write waiting. */
    const customConnectionQuiet = (message: string) =>
      expect
        .poll(
          async () =>
            (
              await database.query<{ busy: number }>(
                `with custom as (select id from crm_connections where provider = 'custom')
                 select ((select count(*) from sync_runs where connection_id in (select id from custom) and status = 'running')
                       + (select count(*) from pgboss.job where name = 'sync-connection'
                            and state in ('created', 'retry', 'active')
                            and (data->>'connectionId')::uuid in (select id from custom))
                       + (select count(*) from outbound_writes where connection_id in (select id from custom)
                            and status in ('pending', 'in_flight')))::int as busy`,
              )
            ).rows[0]!.busy,
          // Behind the import's own write-backs (scores from the CRM's seeded diary), within its rate limits.
          { message, timeout: 120_000 },
        )
        .toBe(0);
    try {
      const custom = await readSandbox('custom');

      // Before connecting: the CRM holds one more person, and answers slowly enough to watch.
      const { id: journeyExternalId } = (await simulatorControl(request, custom, 'POST', '/contacts', {
        first_name: JOURNEY_PERSON.firstName,
        last_name: JOURNEY_PERSON.lastName,
        emails: [{ address: JOURNEY_PERSON.email, type: 'personal', primary: true }],
      })) as { id: string };
      const { contactCount: crmContactCount } = (await simulatorControl(request, custom, 'GET', '')) as {
        contactCount: number;
      };
      await simulatorControl(request, custom, 'PUT', '/faults', { latencyMs: IMPORT_LATENCY_MS });

      const customCard = page.getByTestId('connection-card-custom');
      const notice = page.locator('.propsync-page-notice');

      await test.step('1. open the integrations page', async () => {
        await page.goto(INTEGRATIONS_PATH);
        await expect(page.getByRole('heading', { level: 1, name: 'Integrations' })).toBeVisible();
        await expect(page.getByTestId('connection-card-reapit')).toBeVisible({ timeout: 30_000 });
        await expect(customCard).toHaveCount(0);
        await expect(page.getByRole('button', { name: 'Connect a CRM' })).toBeVisible();
        await screenshot(page, '1-integrations-page');
      });

      await test.step('2. connect the custom CRM through the connect form', async () => {
        await page.getByRole('button', { name: 'Connect a CRM' }).click();
        const form = page.getByRole('form', { name: 'Connect a CRM' });
        await expect(form).toBeVisible();
        await form.getByRole('combobox', { name: 'CRM', exact: true }).selectOption({ label: 'Custom CRM' });
        await expect(form.getByText('Connect with an API key.')).toBeVisible();
        await form.getByLabel('API key').fill(custom.credentials.apiKey!);
        await form.getByLabel('API address').fill(custom.settings.baseUrl!);
        // The key is a password field: what a person sees is dots, not the key.
        await expect(form.getByLabel('API key')).toHaveAttribute('type', 'password');
        await screenshot(page, '2a-connect-form', form);
        await form.getByRole('button', { name: 'Connect Custom CRM' }).click();
        await expect(form.getByRole('button', { name: 'Checking with the CRM…' })).toBeVisible();
        await expect(notice).toHaveText('Custom CRM connected. The first import has started.', {
          timeout: 30_000,
        });
        await expect(customCard).toBeVisible();
        await expect(customCard.getByRole('heading', { name: 'Custom CRM' })).toBeVisible();
        await screenshot(page, '2b-connected');
      });

      await test.step("3. watch the first import's progress, then see the contact count", async () => {
        const progress = customCard.getByTestId('sync-progress');
        const progressBar = progress.getByRole('progressbar');
        // Records so far of the CRM's estimate: the bar appears once the import starts, the
        // estimate once the CRM answered its first page.
        await expect(progressBar).toHaveAccessibleName(
          new RegExp(`^Syncing: [1-9][\\d,]* of ${crmContactCount.toLocaleString('en-GB')} records$`),
          { timeout: 60_000 },
        );
        await expect(progressBar).toHaveAttribute('max', String(crmContactCount));
        await expect(customCard.getByRole('button', { name: 'Syncing…' })).toBeDisabled();
        await screenshot(page, '3a-import-progress', customCard);
        const label = (await progressBar.getAttribute('aria-label')) ?? '';
        const seenDuringImport = parseCount(/Syncing: ([\d,]+) of/.exec(label)?.[1] ?? null);
        expect(seenDuringImport, 'records so far, mid-import').toBeLessThan(crmContactCount);

        await expect(progress).toHaveCount(0, { timeout: 90_000 });
        const contactCount = customCard.getByTestId('contact-count');
        // Every record the CRM lists is a link of this connection (planted duplicates included).
        await expect(contactCount).toHaveText(`${crmContactCount.toLocaleString('en-GB')} contacts`);
        await expect(customCard.getByTestId('last-synced')).toHaveText('just now');
        await expect(customCard.getByRole('button', { name: 'Sync now' })).toBeEnabled();
        await screenshot(page, '3b-import-done', customCard);
      });

      await test.step('3b. confirm the field mapping: until then nothing is written back', async () => {
        // The import is done: its slowness is not wanted for the write-backs the confirmation lets out.
        await simulatorControl(request, custom, 'DELETE', '/faults');
        // A new connection imports, but writes nothing back to its CRM before the admin confirms the mapping.
        await expect(customCard.getByTestId('write-back-paused')).toHaveText(
          /^Write-back paused until the field mapping is confirmed/,
        );
        await page
          .getByRole('combobox', { name: 'Review the field mapping of' })
          .selectOption({ label: 'Custom CRM' });
        const review = page.getByRole('region', { name: 'Custom CRM field mapping' });
        await expect(review.getByTestId('mapping-unconfirmed')).toBeVisible();
        await review.getByRole('button', { name: 'Confirm mapping and categories' }).click();
        await expect(review.getByTestId('mapping-confirmed')).toBeVisible({ timeout: 30_000 });
        await expect(customCard.getByTestId('write-back-paused')).toHaveCount(0, { timeout: 30_000 });
      });

      await test.step('4. provoke a conflict, sync, and read it in the audit log', async () => {
        await simulatorControl(request, custom, 'DELETE', '/faults');
        // Hold the CRM's webhooks back, so "Sync now" is what brings the CRM's change in (a
        // webhook would otherwise reconcile it first, and the score's echo would settle the record).
        await simulatorControl(request, custom, 'PUT', '/webhook-faults', {
          outOfOrderRate: 1,
          outOfOrderDelayMs: 600_000,
        });
        const session = (await (await request.get('/demo/session')).json()) as { token: string };
        const [contact] = (await trpc(request, session.token, 'query', 'contacts.lookup', {
          by: 'email',
          value: JOURNEY_PERSON.email,
        })) as Array<{ id: string; name: string }>;
        expect(contact?.name).toBe(`${JOURNEY_PERSON.firstName} ${JOURNEY_PERSON.lastName}`);

        // Any cycle that pulls the score's echo before "Sync now" settles the record, and the
        // conflict below never happens. So the import's write-backs are all out first: the cycle
        // the click queues then pushes one write, within its budget, and queues no follow-up.
        await customConnectionQuiet("the import's write-backs should all reach the CRM");

        // The platform side: the host's email platform reports a click, so the intent score moves.
        const reportedAt = Date.now();
        const reported = (await trpc(request, session.token, 'mutation', 'engagement.reportEmail', {
          contactId: contact!.id,
          event: 'clicked',
          messageId: `e2e-journey-${reportedAt}`,
          subject: 'New instructions near you',
        })) as { recorded: boolean; intentScore: number };
        expect(reported.recorded).toBe(true);
        expect(reported.intentScore).toBeGreaterThan(0);
        // The score goes out to the CRM by its own cycle; wait until the CRM has it and the cycle ended.
        await expect
          .poll(
            async () =>
              (
                (await simulatorControl(request, custom, 'GET', `/write-back/${journeyExternalId}`)) as {
                  nurture: { engagement_score: number | null };
                }
              ).nurture.engagement_score,
            { message: 'the score should reach the CRM', timeout: 90_000 },
          )
          .toBe(reported.intentScore);
        await customConnectionQuiet('no cycle should run or be queued once the score is in the CRM');

        // The CRM side: an agent changes the same person's email.
        const changedAt = Date.now();
        await simulatorControl(request, custom, 'POST', '/contacts/modify', {
          ids: [journeyExternalId],
          fields: { emails: [{ address: CHANGED_EMAIL, type: 'personal', primary: true }] },
        });

        await expect(customCard.getByRole('button', { name: 'Sync now' })).toBeEnabled();
        await customCard.getByRole('button', { name: 'Sync now' }).click();
        await expect(notice).toHaveText('Sync queued for Custom CRM');

        const auditLog = page.getByRole('region', { name: 'Sync audit log' });
        await auditLog
          .getByRole('combobox', { name: 'Connection', exact: true })
          .selectOption({ label: 'Custom CRM' });
        const manualRow = auditLog.getByTestId('audit-log-row').filter({ hasText: 'Manual' }).first();
        // The log refreshes itself when the page sees the cycle start or end.
        await expect(manualRow).toBeVisible({ timeout: 30_000 });
        await expect(manualRow.getByRole('cell').nth(3)).toHaveText('Succeeded', { timeout: 60_000 });
        await expect(manualRow.getByRole('cell').nth(7), 'conflicts of the manual cycle').toHaveText('1');
        await manualRow.scrollIntoViewIfNeeded();
        await screenshot(page, '4a-audit-log', auditLog);

        await manualRow.getByRole('button', { name: /^Open the Custom CRM cycle of / }).click();
        const details = auditLog.getByTestId('sync-run-details');
        await expect(details.getByRole('heading', { name: /^Custom CRM cycle · / })).toBeVisible();
        await expect(details.getByRole('heading', { name: 'Conflicts (1)' })).toBeVisible();
        await details.getByRole('button', { name: 'Jo Journey: Emails, Intent score' }).click();

        const diff = auditLog.getByTestId('conflict-diff');
        await expect(diff.getByRole('heading', { name: 'Conflict on Jo Journey' })).toBeVisible();
        await expect(diff.getByText('Kept:')).toHaveText('Kept: Both, field by field');
        // Both timestamps: the CRM's edit and Propsync's score change, each in its column header.
        const crmTime = diff.getByRole('columnheader', { name: /^Custom CRM version/ }).locator('time');
        const platformTime = diff.getByRole('columnheader', { name: /^Propsync version/ }).locator('time');
        await expect(crmTime).toBeVisible();
        await expect(platformTime).toBeVisible();
        for (const [time, around] of [
          [crmTime, changedAt],
          [platformTime, reportedAt],
        ] as const) {
          const at = Date.parse((await time.getAttribute('datetime')) ?? '');
          expect(Math.abs(at - around), 'the time shown is the time of that change').toBeLessThan(60_000);
          await expect(time).toHaveText(/^\d{1,2} \w{3,4} \d{4}, \d{2}:\d{2}$/);
        }
        // Both versions, the winner and the rule of each differing field.
        const emails = diff.getByTestId('conflict-field-emails');
        await expect(emails.getByRole('cell')).toHaveText([
          `${CHANGED_EMAIL} (kept)`,
          JOURNEY_PERSON.email,
          'Custom CRM',
          'Only the CRM changed it',
        ]);
        const score = diff.getByTestId('conflict-field-intentScore');
        await expect(score.getByRole('rowheader')).toHaveText('Intent score');
        await expect(score.getByRole('cell')).toHaveText([
          '(empty)',
          `${reported.intentScore} (kept)`,
          'Propsync',
          'Propsync owns this field (engagement)',
        ]);
        await diff.scrollIntoViewIfNeeded();
        await screenshot(page, '4b-conflict', diff);
        await screenshot(page, '4c-run-details-and-conflict', auditLog);
      });

      await test.step('5. disconnect, keeping contacts and the audit trail', async () => {
        const contactsBefore = parseCount(await customCard.getByTestId('contact-count').textContent());
        await customCard.getByRole('button', { name: 'Disconnect' }).click();
        const confirmation = customCard.getByRole('alertdialog', { name: 'Disconnect Custom CRM?' });
        await expect(confirmation).toHaveAccessibleDescription(
          'Propsync revokes its access at Custom CRM and deletes the stored credentials, and syncing stops. Contacts already imported and the audit trail are kept.',
        );
        await expect(confirmation.getByRole('button', { name: 'Cancel' })).toBeFocused();
        await screenshot(page, '5a-disconnect-confirmation', customCard);
        await confirmation.getByRole('button', { name: 'Disconnect Custom CRM' }).click();
        await expect(notice).toHaveText(
          "Custom CRM disconnected. Its contacts and the audit trail are kept. Propsync's access was revoked at Custom CRM.",
        );
        // Revoked at the CRM itself: the sandbox reports its key revoked.
        const keys = (await simulatorControl(request, custom, 'GET', '/api-keys')) as Array<{
          revoked: boolean;
        }>;
        expect(keys.some((key) => key.revoked)).toBe(true);
        await expect(customCard.getByTestId('health-badge')).toHaveAttribute('data-health', 'disconnected');
        await expect(customCard.getByTestId('health-badge')).toHaveAccessibleName('Status: Disconnected');
        await expect(customCard.getByRole('button', { name: 'Sync now' })).toHaveCount(0);
        await expect(customCard.getByRole('button', { name: 'Reconnect' })).toBeVisible();
        await expect(customCard.getByTestId('contact-count')).toHaveText(
          `${contactsBefore.toLocaleString('en-GB')} contacts`,
        );
        await screenshot(page, '5b-disconnected', customCard);

        // What the confirmation promised, in the database itself.
        const { rows } = await database.query<{
          status: string;
          credentials: unknown;
          webhook_secret: unknown;
          access_grant: unknown;
          contacts: number;
          journey_contacts: number;
          sync_runs: number;
          conflicts: number;
        }>(
          `select c.status, c.credentials, c.webhook_secret, c.access_grant,
             (select count(distinct e.contact_id)::int from contact_external_ids e
               join contacts ct on ct.id = e.contact_id where e.connection_id = c.id) as contacts,
             (select count(*)::int from contact_external_ids e join contacts ct on ct.id = e.contact_id
               where e.connection_id = c.id and e.external_id = $1) as journey_contacts,
             (select count(*)::int from sync_runs r where r.connection_id = c.id) as sync_runs,
             (select count(*)::int from conflict_audit a where a.connection_id = c.id) as conflicts
           from crm_connections c where c.provider = 'custom'`,
          [journeyExternalId],
        );
        expect(rows).toHaveLength(1);
        const [connection] = rows;
        expect(connection).toMatchObject({
          status: 'disconnected',
          credentials: null,
          webhook_secret: null,
          access_grant: null,
          journey_contacts: 1,
          conflicts: 1,
        });
        expect(connection!.contacts).toBeGreaterThan(0);
        // The first import, the score's push cycle and "Sync now" at least.
        expect(connection!.sync_runs).toBeGreaterThanOrEqual(3);
      });

      expect(pageErrors, 'uncaught errors in the page').toEqual([]);
    } finally {
      await database.end();
    }
  });
});
