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

type ContactIdentityRow = z.infer<z.ZodObject<typeof contactIdentityColumns>>;

/** Those columns as the API names them. */
export function contactIdentity(row: ContactIdentityRow) {
  return {
    id: row.id,
    title: row.title,
    firstName: row.first_name,
    lastName: row.last_name,
    emails: row.emails,
    phones: row.phones,
  };
}
