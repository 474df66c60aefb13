// The console API from the page: same-origin fetch with the session cookie,
// the CSRF token on every write, and a trip to the sign-in page on 401.
// Errors carry the server's catalogue key, shown in the operator's language.
import { serverError, t } from './i18n.js';

let current = null;

export class ApiError extends Error {
  constructor(message, status, data) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

/** Who is signed in (role, CSRF token, language, time zone): asked once per page load, shared by every view. */
export function session() {
  current ??= api('/session').catch((err) => {
    current = null;
    throw err;
  });
  return current;
}

async function csrfToken() {
  return (await session()).csrf;
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    headers['x-csrf-token'] = await csrfToken();
    init.body = JSON.stringify(body ?? {});
  }
  const res = await fetch(`/console/api${path}`, init);
  if (res.status === 401) {
    location.href = '/console/login';
    throw new ApiError(t('error.signedOut'), 401, {});
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(serverError(data, res.status), res.status, data);
  return data;
}
