// Signs in with an account's name and password, or (break-glass) the admin
// token; the server answers with an HttpOnly session cookie.
// The handler is attached before the catalogue arrives (i18n.js waits for
// it): a quick submit must never fall through to the browser's own GET form
// submission, which would put the password in the address.
const i18n = import('./i18n.js');
const form = document.getElementById('login-form');
const error = document.getElementById('login-error');

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  error.hidden = true;
  const token = form.elements.token.value;
  const body = token !== '' ? { token } : { name: document.getElementById('name').value.trim(), password: document.getElementById('password').value };
  const { serverError, t } = await i18n;
  try {
    const res = await fetch('/console/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
    if (res.ok) {
      location.href = '/console/';
      return;
    }
    const data = await res.json().catch(() => ({}));
    error.textContent = data.code || data.error ? serverError(data, res.status) : t('login.failed', { status: res.status });
  } catch {
    error.textContent = t('login.unreachable');
  }
  error.hidden = false;
});

void i18n.then(({ translatePage }) => translatePage());
