import { z } from 'zod';

/** The identity columns every contact read starts with (`id`, title, names, emails, phones). */
export const contactIdentityColumns = {
  id: z.string(),
  title: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
};
