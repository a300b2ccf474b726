// signin: the welcome screen (Continue with Google -> /auth/login; the development sign-in
// only when the server says it is on) and the sign-up form after a first provider sign-in.
import { useState } from 'preact/hooks';
import { ApiError, post, setCsrf } from '../api';
import { CreatureArt } from '../components';
import { useAction } from '../hooks';
import { navigate } from '../router';
import { session, type Creature, type User, useStore } from '../store';

const USERNAME_HINT = '3–20 letters, digits or underscores';

function Hero() {
  return (
    <div class="hero" aria-hidden="true">
      <span class="hero-bubble b1" />
      <span class="hero-bubble b2" />
      <span class="hero-bubble b3" />
      <img class="hero-logo" src="/icons/icon.svg" width="148" height="148" alt="" />
    </div>
  );
}

export function SignIn() {
  const s = useStore(session);
  const devLogin = s.status !== 'loading' && s.status !== 'in' && s.devLogin;
  const [name, setName] = useState('');
  const [err, setErr] = useState('');
  const { busy, run } = useAction();
  async function dev(e: Event) {
    e.preventDefault();
    setErr('');
    await run(async () => {
      try {
        const r = await post<{ user: User; csrf_token: string }>('/api/dev/login', { username: name.trim() });
        setCsrf(r.csrf_token);
        session.set({ status: 'in', user: r.user, devLogin: true });
        navigate('/', true);
      } catch (e2) {
        setErr((e2 as ApiError).message);
      }
    });
  }
  return (
    <div class="welcome">
      <Hero />
      <h1 class="welcome-title">Chatlings</h1>
      <p class="welcome-lead">Collect cute creatures, open a mystery box every day, build your dream team and watch your chatlings chat.</p>
      <a class="btn btn-google btn-big" href="/auth/login" data-external>
        <span class="g-mark" aria-hidden="true">G</span> Continue with Google
      </a>
      {devLogin && (
        <form class="card dev-login" onSubmit={dev}>
          <h2>Developer sign-in</h2>
          <p class="muted">Only on development servers: signs in (or creates) a player by name.</p>
          <label class="field">
            <span>Username</span>
            <input name="username" value={name} required minLength={3} maxLength={20} pattern="[A-Za-z0-9_]+"
              autoComplete="username" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          {err && <p class="form-error" role="alert">{err}</p>}
          <button class="btn btn-secondary" type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Dev login'}</button>
        </form>
      )}
      <p class="welcome-foot muted">By playing you agree to be nice to every chatling. 💜</p>
    </div>
  );
}

export function SignUp() {
  const [name, setName] = useState('');
  const [err, setErr] = useState('');
  const [starter, setStarter] = useState<{ user: User; creature: Creature | null } | null>(null);
  const { busy, run } = useAction();
  async function submit(e: Event) {
    e.preventDefault();
    setErr('');
    await run(async () => {
      try {
        const r = await post<{ user: User; starter: Creature | null; csrf_token: string }>('/api/auth/signup', {
          username: name.trim(),
        });
        setCsrf(r.csrf_token);
        setStarter({ user: r.user, creature: r.starter });
      } catch (e2) {
        const ae = e2 as ApiError;
        if (ae.status === 401) {
          setErr('Your sign-in expired. Please continue with Google again.');
        } else setErr(ae.message);
      }
    });
  }
  if (starter) {
    return (
      <div class="welcome">
        <h1 class="welcome-title">Meet your first chatling!</h1>
        {starter.creature && (
          <div class="reveal-card is-revealed">
            <CreatureArt c={starter.creature} size="full" eager />
            <p class="reveal-name">{starter.creature.name}</p>
            <p class="muted">{starter.creature.rarity} {starter.creature.body_type}</p>
          </div>
        )}
        <button class="btn btn-big" type="button" onClick={() => {
          session.set({ status: 'in', user: starter.user, devLogin: false });
          navigate('/', true);
        }}>Let’s play!</button>
      </div>
    );
  }
  return (
    <div class="welcome">
      <Hero />
      <h1 class="welcome-title">Pick your name</h1>
      <p class="welcome-lead">This is how other players will see you on leaderboards and in chat.</p>
      <form class="card signup-form" onSubmit={submit}>
        <label class="field">
          <span>Username</span>
          <input name="username" value={name} required minLength={3} maxLength={20} pattern="[A-Za-z0-9_]+"
            autoComplete="username" aria-describedby="uname-hint" autoFocus
            onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <small id="uname-hint" class="muted">{USERNAME_HINT}</small>
        </label>
        {err && <p class="form-error" role="alert">{err}</p>}
        <button class="btn btn-big" type="submit" disabled={busy}>{busy ? 'Creating…' : 'Start collecting'}</button>
      </form>
      <a class="link" href="/auth/login" data-external>Use a different account</a>
    </div>
  );
}
