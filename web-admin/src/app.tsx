// app: the shell: the session (sign-in screen until an administrator is signed in), the
// navigation, and the screen the location hash names.
import { useEffect, useState } from 'preact/hooks';
import { href, useRoute } from './router';
import { devLogin, loadSession, logout, type Session } from './session';
import { Act, Loading, Problem, errorText } from './ui';
import { Dashboard } from './screens/dashboard';
import { Creatures } from './screens/creatures';
import { BodyTypes } from './screens/bodytypes';
import { Creators } from './screens/creators';
import { Chatrooms } from './screens/chatrooms';
import { Players } from './screens/players';
import { Jobs } from './screens/jobs';
import { Audit } from './screens/audit';

const SCREENS: { id: string; title: string }[] = [
  { id: 'dashboard', title: 'Dashboard' },
  { id: 'creatures', title: 'Creatures' },
  { id: 'body-types', title: 'Body types' },
  { id: 'creators', title: 'Creator chatlings' },
  { id: 'chatrooms', title: 'Chatrooms' },
  { id: 'players', title: 'Players' },
  { id: 'jobs', title: 'Jobs' },
  { id: 'audit', title: 'Audit log' },
];

const SIGNIN_ERRORS: Record<string, string> = {
  not_admin: 'That account is not an administrator (or is suspended).',
  expired: 'That sign-in link expired. Please start again.',
  cancelled: 'Sign-in was cancelled.',
  failed: 'Sign-in failed. Please try again.',
};

function SignIn({ session, onSignedIn }: { session: Session | null; onSignedIn: (s: Session) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(() => {
    const code = new URLSearchParams(location.search).get('signin');
    return code ? SIGNIN_ERRORS[code] || SIGNIN_ERRORS.failed : null;
  });
  const notAdmin = session?.signed_in && session.user && !session.user.is_admin;
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const s = await devLogin(name.trim());
      if (!s.user?.is_admin) setError(`${s.user?.username ?? name} is not an administrator.`);
      onSignedIn(s);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <main class="signin" id="main">
      <div class="signin-card">
        <h1>Chatlings admin</h1>
        <p class="muted">Administrators only. Every action here is recorded in the audit log.</p>
        {notAdmin && <Problem text={`Signed in as ${session!.user!.username}, who is not an administrator.`} />}
        <Problem text={error} />
        {session?.sign_in.oidc && (
          <a class="btn primary wide" href="/auth/login">Sign in with Google</a>
        )}
        {!session?.sign_in.oidc && !session?.sign_in.dev && (
          <p>Sign-in is not configured on this server (CHATLINGS_OIDC_CLIENT_ID).</p>
        )}
        {session?.sign_in.dev && (
          <form class="dev-login" onSubmit={submit}>
            <label>
              Development sign-in
              <input name="username" autocomplete="username" required maxLength={64} value={name}
                onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="an existing player's name" />
            </label>
            <button type="submit" class="btn">Sign in</button>
          </form>
        )}
      </div>
    </main>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string | null>(null);
  const route = useRoute();
  const load = () => loadSession().then(setSession, (e) => setError(errorText(e)));
  useEffect(() => { load(); }, []);
  useEffect(() => {
    const t = SCREENS.find((s) => s.id === route.screen)?.title || 'Admin';
    document.title = `${t} · Chatlings admin`;
  }, [route.screen]);

  if (!session) return error ? <main class="signin" id="main"><Problem text={error} onRetry={load} /></main> : <Loading what="Loading the admin portal" />;
  if (!session.signed_in || !session.user?.is_admin) return <SignIn session={session} onSignedIn={setSession} />;

  const out = async () => {
    await logout();
    setSession({ ...session, signed_in: false, user: null, csrf_token: null });
  };
  let screen;
  switch (route.screen) {
    case 'creatures': screen = <Creatures route={route} />; break;
    case 'body-types': screen = <BodyTypes />; break;
    case 'creators': screen = <Creators />; break;
    case 'chatrooms': screen = <Chatrooms route={route} />; break;
    case 'players': screen = <Players route={route} me={session.user} />; break;
    case 'jobs': screen = <Jobs />; break;
    case 'audit': screen = <Audit route={route} />; break;
    default: screen = <Dashboard />;
  }
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header class="topbar">
        <a class="brand" href={href('dashboard')}>Chatlings <span>admin</span></a>
        <span class="me">Signed in as <strong>{session.user.username}</strong></span>
        <Act run={out} small onError={setError}>Sign out</Act>
      </header>
      <nav class="sidenav" aria-label="Admin sections">
        {SCREENS.map((s) => (
          <a href={href(s.id)} class={route.screen === s.id ? 'active' : ''} aria-current={route.screen === s.id ? 'page' : undefined}>
            {s.title}
          </a>
        ))}
      </nav>
      <main id="main" tabIndex={-1} class="content">
        <Problem text={error} />
        {screen}
      </main>
    </div>
  );
}
