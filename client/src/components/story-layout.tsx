import type { ReactElement } from 'react';

/** A story decorator that lays a component out in a column no wider than it is used at. */
export function atMostWide(maxWidth: number) {
  return function AtMostWide(Story: () => ReactElement) {
    return <div style={{ maxWidth }}>{Story()}</div>;
  };
}
