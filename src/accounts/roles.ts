// The three roles, lowest first: each may do everything the one before it may.
export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

/** Whether `has` is at least `needs`. */
export const roleAtLeast = (has: Role, needs: Role): boolean => ROLES.indexOf(has) >= ROLES.indexOf(needs);

/** Who the audit log names for the ADMIN_TOKEN sign-in. */
export const BREAK_GLASS = 'break-glass';

/** An account name: what an operator types to sign in, and what the audit log shows. */
export const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const NAME_RULE = 'a name is 1 to 64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit';
