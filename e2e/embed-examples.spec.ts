import { expect, test, type Page } from '@playwright/test';
import { HOST_HTML_URL, HOST_REACT_URL, REFUSED_HOST_URL } from './example-hosts.ts';

/** Every console error and uncaught exception of a page: a clean embed has none. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** The colour a CSS expression resolves to inside Propsync's root, as the browser computes it. */
async function computedFill(page: Page, selector: string): Promise<string> {
  return page
    .locator(selector)
    .first()
    .evaluate((element) => getComputedStyle(element).fill);
}

async function expectDemoAgencyConnections(page: Page): Promise<void> {
  for (const provider of ['reapit', 'agentos', 'alto', 'street', 'loop']) {
    await expect(page.getByTestId(`connection-card-${provider}`)).toBeVisible({ timeout: 30_000 });
  }
  await expect(page.getByText('Loading connections…')).toHaveCount(0);
}

/** Switches the host's theme and checks Propsync picked it up: accent, and series kept apart. */
async function expectThemeApplied(page: Page, name: string): Promise<void> {
  await page.getByLabel('Theme').selectOption({ label: 'Green accent' });
  await expect(page.getByRole('button', { name: 'Connect a CRM' })).toHaveCSS(
    'background-color',
    'rgb(21, 128, 61)',
  );
  await expect(page.getByTestId('sync-history-chart')).toBeVisible();
  const recordsIn = await computedFill(page, '.propsync-history__bar--in');
  const recordsOut = await computedFill(page, '.propsync-history__bar--out');
  expect(recordsIn).toBe('rgb(21, 128, 61)');
  expect(recordsOut).not.toBe(recordsIn);
  expect(recordsOut).not.toMatch(/^rgb\(\s*2\d, 1[0-3]\d, [5-6]\d\)$/); // not a second green
  await page.screenshot({ path: `test-results/e2e/embed-${name}-green-accent.png`, fullPage: true });
  await page.getByLabel('Theme').selectOption({ label: 'Dark' });
  await expect(page.getByRole('button', { name: 'Connect a CRM' })).toHaveCSS(
    'background-color',
    'rgb(96, 165, 250)',
  );
  await page.screenshot({ path: `test-results/e2e/embed-${name}-dark.png`, fullPage: true });
}

test.describe('embedding Propsync from another origin', () => {
  const hosts = [
    { name: 'host-react', url: HOST_REACT_URL, how: 'the React host (Vite, @propsync/embed)' },
    {
      name: 'host-html',
      url: HOST_HTML_URL,
      how: 'the plain HTML host (script tag, <propsync-integrations>)',
    },
  ];
  for (const host of hosts) {
    test(`${host.how} connects, shows the demo agency and themes it`, async ({ page }) => {
      const errors = collectErrors(page);
      await page.goto(host.url);
      await expect(page.getByRole('heading', { name: 'Integrations' })).toBeVisible();
      await expectDemoAgencyConnections(page);
      await page.screenshot({ path: `test-results/e2e/embed-${host.name}.png`, fullPage: true });
      await expectThemeApplied(page, host.name);
      expect(errors).toEqual([]);
    });
  }

  test('a page on an origin Propsync does not allow is told how to fix it, and stops calling', async ({
    page,
  }) => {
    const apiCalls: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/trpc/')) apiCalls.push(request.url());
    });
    await page.goto(REFUSED_HOST_URL);
    await expect(page.getByRole('alert')).toContainText(
      `refused this origin (${REFUSED_HOST_URL}): add it to PROPSYNC_ALLOWED_ORIGINS`,
      { timeout: 30_000 },
    );
    await expect(page.getByText('Loading connections…')).toHaveCount(0);
    await page.screenshot({ path: 'test-results/e2e/embed-refused-origin.png', fullPage: true });
    const callsWhenRefused = apiCalls.length;
    await page.waitForTimeout(7_000);
    expect(apiCalls.length).toBe(callsWhenRefused);
  });
});
