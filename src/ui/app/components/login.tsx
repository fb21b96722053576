// The login page (/login): the admin token, or a user name and password from the config file (auth.users).
// POST /api/auth/login sets the httpOnly session cookie; then the browser goes to ?next= (same-origin paths only).
import { useState } from 'preact/hooks';
import { ApiError, createApi } from '../api.js';
import { safeNext } from '../state.js';

export function Login() {
  const api = createApi();
  const [mode, setMode] = useState<'token' | 'user'>('token');
  const [token, setToken] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.send('POST', '/api/auth/login', mode === 'token' ? { token } : { name, password });
      location.assign(safeNext(new URLSearchParams(location.search).get('next')));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'Wrong credentials.' : `Login failed: ${(err as Error).message}`);
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-h">
        <h1 id="login-h">Clicklake</h1>
        <fieldset class="segmented">
          <legend class="sr-only">Log in with</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'token'} onChange={() => setMode('token')} /> Admin token
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'user'} onChange={() => setMode('user')} /> User
          </label>
        </fieldset>
        {mode === 'token' ? (
          <label>
            <span>Admin token</span>
            <input type="password" name="token" autocomplete="current-password" required value={token} onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)} />
          </label>
        ) : (
          <>
            <label>
              <span>User name</span>
              <input type="text" name="name" autocomplete="username" required value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
            </label>
            <label>
              <span>Password</span>
              <input type="password" name="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
            </label>
          </>
        )}
        {error ? (
          <p class="state error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p class="hint">The admin token is printed by <code>clicklake start</code> and kept in the data dir's <code>admin-token</code> file.</p>
      </form>
    </main>
  );
}
