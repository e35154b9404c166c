import { z } from 'zod';

/**
 * An absolute http(s) URL without credentials: no `file:`, `data:` or `javascript:` scheme a
 * fetch could be talked into, and no `user:password@` a config or plan would leak into history.
 * Credentials travel as secret references (env:NAME, file:PATH) resolved inside an activity.
 */
export const HttpUrlSchema = z
  .url({ protocol: /^https?$/, message: 'expected an absolute http(s) URL' })
  .refine((url) => URL.canParse(url) && !new URL(url).username && !new URL(url).password, { message: 'a URL may not carry credentials (user:password@); name a secret reference instead' });
