/** How requests name a dataset, model or run: its id or its name (shared by schemas.ts and manage.ts). */
import { z } from 'zod';

export const idOrName = z.string().trim().min(1, 'Name or id must not be empty.');
