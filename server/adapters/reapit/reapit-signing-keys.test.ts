import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  KEY_LOOKUP_WINDOW_MS,
  KEY_LOOKUPS_PER_WINDOW,
  ReapitSigningKeys,
  UNKNOWN_KEY_TTL_MS,
} from './reapit-signing-keys.ts';

const realKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;

function directory() {
  let now = 1_000_000;
  const asked: string[] = [];
  const keys = new ReapitSigningKeys(() => now);
  const lookup = async (keyId: string) => {
    asked.push(keyId);
    return keyId === 'real' ? { kid: 'real', x: realKey } : null;
  };
  return { keys, lookup, asked, advance: (ms: number) => (now += ms) };
}

describe('Reapit webhook signing keys of one connection', () => {
  it('asks once for a known key and once per unknown id until the negative entry expires', async () => {
    const { keys, lookup, asked, advance } = directory();
    await keys.key('real', lookup);
    await keys.key('real', lookup);
    await expect(keys.key('made-up', lookup)).rejects.toMatchObject({ reason: 'unknown_key' });
    await expect(keys.key('made-up', lookup)).rejects.toMatchObject({ reason: 'unknown_key' });
    expect(asked).toEqual(['real', 'made-up']);
    advance(UNKNOWN_KEY_TTL_MS + 1);
    await expect(keys.key('made-up', lookup)).rejects.toMatchObject({ reason: 'unknown_key' });
    expect(asked).toEqual(['real', 'made-up', 'made-up']);
  });

  it('shares one look-up between concurrent deliveries naming the same new id', async () => {
    const { keys, lookup, asked } = directory();
    await Promise.all(Array.from({ length: 20 }, () => keys.key('real', lookup)));
    expect(asked).toEqual(['real']);
  });

  it('spends at most its budget of look-ups per window, then refuses unseen ids without asking', async () => {
    const { keys, lookup, asked, advance } = directory();
    for (let i = 0; i < 50; i++) {
      await expect(keys.key(`forged-${i}`, lookup)).rejects.toMatchObject({
        reason: i < KEY_LOOKUPS_PER_WINDOW ? 'unknown_key' : 'key_lookup_limited',
      });
    }
    expect(asked).toHaveLength(KEY_LOOKUPS_PER_WINDOW);
    advance(KEY_LOOKUP_WINDOW_MS + 1);
    await expect(keys.key('real', lookup)).resolves.toBeDefined();
    expect(asked).toHaveLength(KEY_LOOKUPS_PER_WINDOW + 1);
  });
});
