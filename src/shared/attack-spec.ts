/**
 * An attack as a job names it: a registry name and its parameters (checked against the attack's
 * own descriptors in core). Its own file so that schemas.ts and patching.ts can both use it
 * (patching.ts must not import schemas.ts).
 */
import { z } from 'zod';

export const AttackSpecSchema = z.object({
  name: z.string().min(1),
  params: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).default({}),
});
export type AttackSpec = z.infer<typeof AttackSpecSchema>;
