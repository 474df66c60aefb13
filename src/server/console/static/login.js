// Signs in with an account's name and password, or (break-glass) the admin
// token; the server answers with an HttpOnly session cookie.
const form = document.getElementById('login-form');
const error = document.getElementById('login-error');

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  error.hidden = true;
  const token = form.elements.token.value;
  const body = token !== '' ? { token } : { name: document.getElementById('name').value.trim(), password: document.getElementById('password').value };
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
    error.textContent = data.error || `Sign-in failed (${res.status})`;
  } catch {
    error.textContent = 'The service could not be reached.';
  }
  error.hidden = false;
});
