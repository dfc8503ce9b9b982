import { describe, expect, it } from 'vitest';
import { apiHostAsBaseUrl, pageSizeSetting } from './connection-settings.ts';

describe('pageSizeSetting', () => {
  it('reads form text as a whole number within the CRM ceiling, defaulting when unset', () => {
    const pageSize = pageSizeSetting(250, 100);
    expect(pageSize.parse('20')).toBe(20);
    expect(pageSize.parse(undefined)).toBe(100);
    expect(pageSizeSetting(100).parse(undefined)).toBe(100);
    expect(pageSize.safeParse('251').success).toBe(false);
    expect(pageSize.safeParse('0').success).toBe(false);
    expect(pageSize.safeParse('2.5').success).toBe(false);
  });
});

describe('apiHostAsBaseUrl', () => {
  it('is the configured API host', () => {
    expect(apiHostAsBaseUrl({}, { api: 'https://api.example.test' })).toBe('https://api.example.test');
  });
});
