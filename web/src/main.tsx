// main: boots the app: styles, the session, the service worker (production builds only: the
// dev server serves unbundled modules the worker would not know).
import { render } from 'preact';
import './styles/fonts.css';
import './styles/base.css';
import './styles/screens.css';
import { App } from './app';
import { refreshUnread } from './live';
import { navigate } from './router';
import { boot } from './session';

performance.mark('chatlings:start');
render(<App />, document.getElementById('app')!);
boot();

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((e) => console.warn('service worker:', e));
  navigator.serviceWorker.addEventListener('message', (ev) => {
    if (ev.data?.type === 'navigate' && typeof ev.data.url === 'string' && ev.data.url.startsWith('/')) navigate(ev.data.url);
    if (ev.data?.type === 'push') refreshUnread();
  });
}
