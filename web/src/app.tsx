// app: the shell around every screen: top bar (motes, bell, avatar), navigation (bottom tabs on
// a phone, a side rail on a desktop), the offline banner, toasts, and the route table.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { Motes, Spinner } from './components';
import { clock } from './game';
import { match, onLinkClick, useRoute } from './router';
import { offline, session, toasts, unread, useStore } from './store';
import { Achievements } from './screens/achievements';
import { AvatarScreen, avatarUrl } from './screens/avatar';
import { Box } from './screens/box';
import { ChatRoom, Chatrooms } from './screens/chat';
import { Collection } from './screens/collection';
import { CreatureScreen } from './screens/creature';
import { Encounters } from './screens/encounters';
import { Hub } from './screens/hub';
import { Idle } from './screens/idle';
import { Leaderboards } from './screens/leaderboards';
import { Me, Play } from './screens/menus';
import { Notifications } from './screens/notifications';
import { Runaways } from './screens/runaways';
import { Settings } from './screens/settings';
import { Shop } from './screens/shop';
import { SignIn, SignUp } from './screens/signin';
import { Team } from './screens/team';
import { YouTube } from './screens/youtube';

const ROUTES: [string, (p: Record<string, string>) => ComponentChildren][] = [
  ['/', () => <Hub />],
  ['/collection', () => <Collection />],
  ['/creature/:id', (p) => <CreatureScreen id={p.id} />],
  ['/box', () => <Box />],
  ['/encounters', () => <Encounters />],
  ['/team', () => <Team />],
  ['/idle', () => <Idle />],
  ['/achievements', () => <Achievements />],
  ['/leaderboards', () => <Leaderboards />],
  ['/chat', () => <Chatrooms />],
  ['/chat/:id', (p) => <ChatRoom id={p.id} />],
  ['/runaways', () => <Runaways />],
  ['/notifications', () => <Notifications />],
  ['/shop', () => <Shop />],
  ['/avatar', () => <AvatarScreen />],
  ['/youtube', () => <YouTube />],
  ['/settings', () => <Settings />],
  ['/play', () => <Play />],
  ['/me', () => <Me />],
];

const TABS = [
  { href: '/', label: 'Home', icon: '🏠', match: (p: string) => p === '/' },
  { href: '/collection', label: 'Collection', icon: '📚', match: (p: string) => p.startsWith('/collection') || p.startsWith('/creature') },
  { href: '/play', label: 'Play', icon: '🎮', match: (p: string) => ['/play', '/box', '/encounters', '/team', '/idle', '/runaways'].includes(p) },
  { href: '/chat', label: 'Chat', icon: '💬', match: (p: string) => p.startsWith('/chat') },
  { href: '/leaderboards', label: 'Ranks', icon: '🏆', match: (p: string) => p.startsWith('/leaderboards') },
];
const MORE = [
  { href: '/box', label: 'Daily box', icon: '🎁' },
  { href: '/encounters', label: 'Encounters', icon: '🌿' },
  { href: '/team', label: 'Team', icon: '🛡️' },
  { href: '/idle', label: 'Affection', icon: '💗' },
  { href: '/achievements', label: 'Achievements', icon: '🏅' },
  { href: '/shop', label: 'Shop', icon: '🛍️' },
  { href: '/settings', label: 'Settings', icon: '⚙️' },
];

function Nav({ path }: { path: string }) {
  return (
    <nav class="nav" aria-label="Main">
      <a class="nav-brand" href="/" aria-label="Chatlings home">
        <img src="/icons/icon.svg" width="40" height="40" alt="" />
        <span>Chatlings</span>
      </a>
      <ul class="nav-tabs">
        {TABS.map((t) => (
          <li key={t.href}>
            <a href={t.href} class={t.match(path) ? (path === t.href ? 'is-active' : 'is-active is-parent') : ''}
              aria-current={t.match(path) ? (path === t.href ? 'page' : 'true') : undefined}>
              <span class="nav-icon" aria-hidden="true">{t.icon}</span>
              <span class="nav-label">{t.label}</span>
            </a>
          </li>
        ))}
      </ul>
      <ul class="nav-more">
        {MORE.map((t) => (
          <li key={t.href}>
            <a href={t.href} class={path === t.href ? 'is-active' : ''} aria-current={path === t.href ? 'page' : undefined}>
              <span class="nav-icon" aria-hidden="true">{t.icon}</span>
              <span class="nav-label">{t.label}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function TopBar() {
  const s = useStore(session);
  const n = useStore(unread);
  if (s.status !== 'in') return null;
  const u = s.user;
  return (
    <header class="topbar">
      <a class="topbar-brand" href="/" aria-label="Chatlings home">
        <img src="/icons/icon.svg" width="34" height="34" alt="" />
        <span>Chatlings</span>
      </a>
      <div class="topbar-right">
        <a class="chip motes-chip" href="/shop" aria-label={`${u.motes} motes, open the shop`}>
          <Motes n={u.motes} />
        </a>
        <a class="icon-btn bell" href="/notifications" aria-label={n ? `Notifications, ${n} unread` : 'Notifications'}>
          <span aria-hidden="true">🔔</span>
          {n > 0 && <span class="bell-count" aria-hidden="true">{n > 99 ? '99+' : n}</span>}
        </a>
        <a class="avatar-btn" href="/me" aria-label={`${u.username}: your profile and settings`}>
          <img src={avatarUrl(u)} width="40" height="40" alt="" />
        </a>
      </div>
    </header>
  );
}

function OfflineBanner() {
  const o = useStore(offline);
  if (!o.offline) return null;
  return (
    <div class="offline-banner" role="status">
      <span aria-hidden="true">📡</span>{' '}
      {o.savedAt ? `Offline — showing saved data from ${clock(o.savedAt)}` : 'Offline — reconnect to play'}
    </div>
  );
}

function Toasts() {
  const list = useStore(toasts);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`}>{t.text}</div>
      ))}
    </div>
  );
}

export function App() {
  const s = useStore(session);
  const { path } = useRoute();
  useEffect(() => {
    const h = (e: MouseEvent) => onLinkClick(e);
    document.addEventListener('click', h);
    return () => document.removeEventListener('click', h);
  }, []);

  let body: ComponentChildren;
  if (s.status === 'loading') body = <div class="boot"><Spinner label="Starting Chatlings…" /></div>;
  else if (s.status === 'pending' || path === '/signup') body = s.status === 'in' ? null : <SignUp />;
  else if (s.status === 'out') body = <SignIn />;
  if (body !== undefined) {
    return (
      <div class="app app-out">
        <OfflineBanner />
        <main id="main">{body}</main>
        <Toasts />
      </div>
    );
  }
  let page: ComponentChildren = null;
  for (const [pattern, render] of ROUTES) {
    const p = match(pattern, path);
    if (p) {
      page = render(p);
      break;
    }
  }
  if (!page)
    page = (
      <section class="screen">
        <div class="empty">
          <div class="empty-art" aria-hidden="true">🧭</div>
          <h1>Lost in the meadow</h1>
          <p>There is nothing at this address.</p>
          <a class="btn" href="/">Back home</a>
        </div>
      </section>
    );
  return (
    <div class="app">
      <a class="skip" href="#main">Skip to content</a>
      <TopBar />
      <Nav path={path} />
      <OfflineBanner />
      <main id="main" key={path}>{page}</main>
      <Toasts />
    </div>
  );
}
