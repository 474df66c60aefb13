// Signs in with the admin token; the server answers with an HttpOnly session cookie.
const form = document.getElementById('login-form');
const error = document.getElementById('login-error');

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  error.hidden = true;
  const token = form.elements.token.value;
  try {
    const res = await fetch('/console/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token }),
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
