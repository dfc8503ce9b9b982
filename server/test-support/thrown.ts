import { expect } from 'vitest';

/** Runs `action` and returns the error it throws, failing the test unless it throws a `type`. */
export function thrownBy<T extends Error>(
  type: abstract new (...args: never[]) => T,
  action: () => unknown,
): T {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error(`expected a ${type.name} to be thrown`);
}
