import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Locator, type Page } from '@playwright/test';

/**
 * Signing in with Reapit instead of typing credentials (OAuth redirect through the simulator's
 * Reapit Connect page), in a browser: disconnect the demo's Reapit connection (its token revoked
 * at Reapit), connect again with "Sign in with Reapit", allow at Reapit, land back on the page,
 * which finishes the sign-in with its own session, with Reapit active. It leaves Reapit connected
 * with its contacts, as the other specs expect, whatever order they run in.
 */

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const INTEGRATIONS_PATH = '/dashboard/settings/integrations';
const SCREENSHOT_DIRECTORY = path.join(REPOSITORY_ROOT, 'test-results', 'oauth');
/** SIMULATOR_PORT_REAPIT in playwright.config.ts. */
const REAPIT_SIMULATOR = 'http://127.0.0.1:4611';

async function screenshot(page: Page, name: string, target?: Locator): Promise<void> {
  const file = path.join(SCREENSHOT_DIRECTORY, `${name}.png`);
  if (target) await target.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
  await test.info().attach(name, { path: file, contentType: 'image/png' });
}

test('disconnect Reapit (access revoked at Reapit), then connect it again by signing in at Reapit', async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  fs.rmSync(SCREENSHOT_DIRECTORY, { recursive: true, force: true });
  fs.mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const reapitCard = page.getByTestId('connection-card-reapit');
  const notice = page.locator('.propsync-page-notice');
  const tokens = async () =>
    (await (await request.get(`${REAPIT_SIMULATOR}/_sim/tokens`)).json()) as {
      activeAccessTokens: number;
      revokedTokens: number;
    };

  await test.step('1. disconnect Reapit: Propsync revokes its token at Reapit', async () => {
    await page.goto(INTEGRATIONS_PATH);
    await expect(reapitCard.getByText('Active', { exact: true })).toBeVisible({ timeout: 60_000 });
    const revokedBefore = (await tokens()).revokedTokens;
    await reapitCard.getByRole('button', { name: 'Disconnect' }).click();
    await reapitCard
      .getByRole('alertdialog', { name: 'Disconnect Reapit?' })
      .getByRole('button', { name: 'Disconnect Reapit' })
      .click();
    await expect(notice).toHaveText(
      "Reapit disconnected. Its contacts and the audit trail are kept. Propsync's token was revoked at Reapit; the client id and secret you entered stay valid until you delete them in Reapit.",
    );
    await expect(reapitCard.getByTestId('health-badge')).toHaveAttribute('data-health', 'disconnected');
    expect((await tokens()).revokedTokens).toBeGreaterThan(revokedBefore);
    await screenshot(page, '1-reapit-disconnected', reapitCard);
  });

  await test.step('2. choose "Sign in with Reapit" in the connect form', async () => {
    await reapitCard.getByRole('button', { name: 'Reconnect' }).click();
    const form = page.getByRole('form', { name: /Reapit|Connect a CRM/ });
    const signIn = form.getByRole('button', { name: /Sign in( again)? with Reapit/ });
    await expect(signIn).toBeVisible();
    await screenshot(page, '2-connect-form-with-sign-in', form);
    await signIn.click();
  });

  await test.step('3. allow Propsync on the Reapit Connect page', async () => {
    // Reapit Connect is its own host, as connect.reapit.cloud is beside platform.reapit.cloud.
    await page.waitForURL((url) => url.pathname === '/authorize');
    expect(new URL(page.url()).origin).not.toBe(REAPIT_SIMULATOR);
    await expect(page.getByRole('heading', { name: 'Reapit Connect (sandbox)' })).toBeVisible();
    await expect(page.getByText('sandbox.user@example.co.uk')).toBeVisible();
    await screenshot(page, '3-reapit-connect-consent');
    await page.getByRole('button', { name: 'Allow' }).click();
  });

  await test.step('4. back on the integrations page, Reapit is connected and syncing', async () => {
    await page.waitForURL((url) => url.pathname === INTEGRATIONS_PATH);
    await expect(notice).toContainText('Signed in: Reapit is connected');
    // The outcome is taken off the address, so a reload does not repeat it.
    expect(new URL(page.url()).searchParams.has('propsync_oauth')).toBe(false);
    await expect(reapitCard.getByTestId('health-badge')).not.toHaveAttribute('data-health', 'disconnected', {
      timeout: 30_000,
    });
    await expect(reapitCard.getByText('Active', { exact: true })).toBeVisible({ timeout: 60_000 });
    expect((await tokens()).activeAccessTokens).toBeGreaterThan(0);
    await screenshot(page, '4-reapit-connected-by-sign-in');
  });

  expect(pageErrors).toEqual([]);
});
