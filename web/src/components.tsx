// components: the small pieces every screen uses: creature art in a fixed-aspect box (no layout
// shift), rarity badges, trait bars, score chips, dialogs, empty / error / "coming soon"
// states. Everything from the server is rendered as text (JSX escapes it); no innerHTML.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from './api';
import { artUrl, cap, fmt, rarityClass, SCORE_HELP, SCORES, scoresOf, standInArt, TRAITS } from './game';
import type { Creature } from './store';

export function CreatureArt({ c, size = 'thumb', class: cls = '', eager = false }: {
  c: Creature; size?: 'thumb' | 'full'; class?: string; eager?: boolean;
}) {
  const want = artUrl(c, size);
  const [src, setSrc] = useState(want);
  const [loaded, setLoaded] = useState(false);
  // a different creature in the same box: start over (not on mount: a cached picture may
  // already have loaded, and resetting would hide it)
  const shownFor = useRef(want);
  useEffect(() => {
    if (shownFor.current === want) return;
    shownFor.current = want;
    setSrc(want);
    setLoaded(false);
  }, [want]);
  return (
    <div class={`art ${rarityClass(c.rarity)} ${loaded ? 'is-loaded' : ''} ${cls}`}>
      <img
        src={src}
        alt={`${c.name}, a ${c.rarity} ${c.body_type}`}
        width={size === 'thumb' ? 200 : 512}
        height={size === 'thumb' ? 200 : 512}
        loading={eager ? 'eager' : 'lazy'}
        decoding="async"
        onLoad={() => setLoaded(true)}
        ref={(el) => {
          // loaded before the handler was attached (memory cache): show it anyway
          if (el && el.complete && el.naturalWidth > 0 && !loaded) setLoaded(true);
        }}
        onError={() => {
          const fallback = standInArt(c);
          if (src !== fallback) setSrc(fallback);
        }}
      />
    </div>
  );
}

export function Rarity({ r }: { r: string }) {
  return <span class={`badge ${rarityClass(r)}`}>{r}</span>;
}

export function TraitBars({ traits, compare }: { traits: Record<string, number>; compare?: Record<string, number> }) {
  return (
    <ul class="traits">
      {TRAITS.map((t) => (
        <li key={t}>
          <span class="trait-name">{cap(t)}</span>
          <span class="bar" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={traits[t] ?? 0} aria-label={cap(t)}>
            <span class={`bar-fill t-${t}`} style={{ width: `${traits[t] ?? 0}%` }} />
            {compare && <span class="bar-mark" style={{ left: `${compare[t] ?? 0}%` }} />}
          </span>
          <span class="trait-val">{traits[t] ?? '–'}</span>
        </li>
      ))}
    </ul>
  );
}

export function Scores({ c }: { c: Creature }) {
  const s = scoresOf(c);
  if (!s) return null;
  return (
    <div class="scores">
      {SCORES.map((k) => (
        <div class={`score s-${k}`} key={k} title={SCORE_HELP[k]}>
          <span class="score-val">{fmt(s[k])}</span>
          <span class="score-name">{cap(k)}</span>
        </div>
      ))}
    </div>
  );
}

export function CreatureTile({ c, href, onClick, selected, children }: {
  c: Creature; href?: string; onClick?: () => void; selected?: boolean; children?: ComponentChildren;
}) {
  const body = (
    <>
      <CreatureArt c={c} />
      <span class="tile-name">{c.short_name || c.name}</span>
      <span class="tile-meta">
        <Rarity r={c.rarity} />
      </span>
      {children}
    </>
  );
  const cls = `tile ${rarityClass(c.rarity)} ${selected ? 'is-selected' : ''} ${c.status === 'runaway' ? 'is-away' : ''}`;
  if (href) return <a class={cls} href={href}>{body}</a>;
  return (
    <button type="button" class={cls} onClick={onClick} aria-pressed={selected}>
      {body}
    </button>
  );
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="spinner" role="status">
      <span class="spinner-dots" aria-hidden="true"><i /><i /><i /></span>
      <span class="sr-only">{label}</span>
    </div>
  );
}

export function ComingSoon({ what }: { what: string }) {
  return (
    <div class="empty coming-soon">
      <div class="empty-art" aria-hidden="true">🛠️</div>
      <h2>Coming soon!</h2>
      <p>{what}: the chatlings are still building this part of the game. Check back soon!</p>
    </div>
  );
}

export function Empty({ icon, title, children }: { icon: string; title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <div class="empty-art" aria-hidden="true">{icon}</div>
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function ErrorBox({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div class="empty error" role="alert">
      <div class="empty-art" aria-hidden="true">{error.status === 0 ? '📡' : '😵'}</div>
      <h2>{error.status === 0 ? 'You are offline' : 'Something went wrong'}</h2>
      <p>{error.message}</p>
      {retry && <button class="btn" type="button" onClick={retry}>Try again</button>}
    </div>
  );
}

/** Loading / error / missing-endpoint states around a screen's content. */
export function Gate({ state, what, children }: {
  state: { loading: boolean; error: ApiError | null; data: unknown; reload?: () => void };
  what: string;
  children: () => ComponentChildren;
}) {
  if (state.error?.missing) return <ComingSoon what={what} />;
  if (state.error && !state.data) return <ErrorBox error={state.error} retry={state.reload} />;
  if (state.loading && !state.data) return <Spinner />;
  if (!state.data) return <Spinner />;
  return <>{children()}</>;
}

export function Screen({ title, sub, back, actions, children, class: cls = '' }: {
  title: string; sub?: ComponentChildren; back?: string; actions?: ComponentChildren; children: ComponentChildren; class?: string;
}) {
  const h = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Chatlings`;
    // a route change moves focus to the new screen's heading (screen readers announce it)
    if (document.activeElement === document.body || document.activeElement?.closest('nav')) h.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <section class={`screen ${cls}`}>
      <header class="screen-head">
        {back && (
          <a class="back" href={back} aria-label="Back">
            <span aria-hidden="true">‹</span>
          </a>
        )}
        <div class="screen-titles">
          <h1 tabIndex={-1} ref={h}>{title}</h1>
          {sub && <p class="screen-sub">{sub}</p>}
        </div>
        {actions && <div class="screen-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Modal({ open, onClose, title, children, class: cls = '' }: {
  open: boolean; onClose: () => void; title: string; children: ComponentChildren; class?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} class={`modal ${cls}`} onClose={onClose} aria-label={title}
      onClick={(e: JSX.TargetedMouseEvent<HTMLDialogElement>) => { if (e.target === ref.current) onClose(); }}>
      <div class="modal-body">
        <button class="modal-x" type="button" onClick={onClose} aria-label="Close">×</button>
        {children}
      </div>
    </dialog>
  );
}

export function Stat({ label, value, icon }: { label: string; value: ComponentChildren; icon?: string }) {
  return (
    <div class="stat">
      {icon && <span class="stat-icon" aria-hidden="true">{icon}</span>}
      <span class="stat-val">{value}</span>
      <span class="stat-label">{label}</span>
    </div>
  );
}

export function Progress({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <span class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={max} aria-valuenow={value} aria-label={label}>
      <span class="progress-fill" style={{ width: `${pct}%` }} />
    </span>
  );
}

export const Motes = ({ n }: { n: number | undefined }) => (
  <span class="motes"><span class="mote-gem" aria-hidden="true" />{fmt(n ?? 0)}<span class="sr-only"> motes</span></span>
);
