import { randomUUID } from 'node:crypto';
import { p } from '@mikro-orm/core';

/** Columns every table shares: a random uuid key and creation time, both set by the application. */
export const baseProperties = {
  id: p
    .uuid()
    .primary()
    .onCreate(() => randomUUID()),
  createdAt: p.datetime().onCreate(() => new Date()),
};

export const updatedAtProperty = p
  .datetime()
  .onCreate(() => new Date())
  .onUpdate(() => new Date());
