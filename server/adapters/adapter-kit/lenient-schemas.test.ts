import { describe, expect, it } from 'vitest';
import { optionalTextFields } from './lenient-schemas.ts';

describe('optionalTextFields', () => {
  const schema = optionalTextFields(['line1', 'town']);

  it('takes each field absent, null or as text, and keeps fields it does not name', () => {
    expect(schema.parse({ line1: '1 Mill Lane', town: null, uprn: 42 })).toEqual({
      line1: '1 Mill Lane',
      town: null,
      uprn: 42,
    });
    expect(schema.parse({})).toEqual({});
  });

  it('refuses a named field that is not text', () => {
    expect(schema.safeParse({ town: 7 }).success).toBe(false);
  });
});
