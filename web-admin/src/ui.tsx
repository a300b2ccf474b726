// ui: the building blocks every screen uses: loading and error states, buttons that show their
// own progress, a pager, a confirmation dialog, badges and bars. Text only ever reaches the page
// as Preact text nodes (textContent): nothing here renders HTML from data.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** Loads data with fn whenever deps change: { data, error, loading, reload, set }. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null, error: null, loading: true,
  });
  const seq = useRef(0);
  const run = () => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    fn().then(
      (data) => n === seq.current && setState({ data, error: null, loading: false }),
      (e) => n === seq.current && setState((s) => ({ data: s.data, error: errorText(e), loading: false })),
    );
  };
  useEffect(run, deps);
  return { ...state, reload: run, set: (data: T) => setState({ data, error: null, loading: false }) };
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return <p class="loading" role="status">{what}…</p>;
}

export function Problem({ text, onRetry }: { text: string | null; onRetry?: () => void }) {
  if (!text) return null;
  return (
    <div class="problem" role="alert">
      <span>{text}</span>
      {onRetry && <button type="button" class="btn small" onClick={onRetry}>Try again</button>}
    </div>
  );
}

export function Notice({ text }: { text: string | null }) {
  return text ? <div class="notice" role="status">{text}</div> : null;
}

/** A button that runs an async action, shows "…" while it runs and reports errors to onError. */
export function Act(props: {
  run: () => Promise<unknown>;
  children: ComponentChildren;
  kind?: 'primary' | 'danger' | 'plain';
  small?: boolean;
  disabled?: boolean;
  onError?: (msg: string) => void;
  title?: string;
  name?: string;
}) {
  const [busy, setBusy] = useState(false);
  const click = async () => {
    setBusy(true);
    try {
      await props.run();
    } catch (e) {
      props.onError?.(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const cls = `btn ${props.kind || 'plain'}${props.small ? ' small' : ''}`;
  return (
    <button type="button" class={cls} disabled={busy || props.disabled} onClick={click} title={props.title} name={props.name}>
      {busy ? '…' : props.children}
    </button>
  );
}

export function Pager({ page, limit, total, onPage }: { page: number; limit: number; total: number; onPage: (p: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="btn small" disabled={page <= 1} onClick={() => onPage(page - 1)}>Previous</button>
      <span>Page {page} of {pages} · {total.toLocaleString('en-GB')} in all</span>
      <button type="button" class="btn small" disabled={page >= pages} onClick={() => onPage(page + 1)}>Next</button>
    </nav>
  );
}

/** A modal dialog (the native <dialog>, so focus and Escape behave). */
export function Modal({ title, children, onClose }: { title: string; children: ComponentChildren; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const cancel = (e: Event) => {
      e.preventDefault();
      onClose();
    };
    d?.addEventListener('cancel', cancel);
    return () => d?.removeEventListener('cancel', cancel);
  }, []);
  return (
    <dialog ref={ref} class="modal" aria-label={title}>
      <header>
        <h2>{title}</h2>
        <button type="button" class="btn small" onClick={onClose} aria-label="Close">✕</button>
      </header>
      <div class="modal-body">{children}</div>
    </dialog>
  );
}

export function Badge({ kind, children }: { kind: string; children: ComponentChildren }) {
  return <span class={`badge ${kind}`}>{children}</span>;
}

export function RarityBadge({ rarity }: { rarity: string }) {
  return <span class={`badge rarity-${rarity.toLowerCase()}`}>{rarity}</span>;
}

/** A horizontal bar (0..max) with its value; the width is set through the CSSOM (CSP-safe). */
export function Bar({ value, max, label }: { value: number; max: number; label?: string }) {
  const pct = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  return (
    <div class="bar" role="img" aria-label={`${label ? `${label}: ` : ''}${value}`}>
      <div class="bar-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: string }) {
  return (
    <div class="stat">
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
      {hint && <div class="stat-hint">{hint}</div>}
    </div>
  );
}

/** JSON shown as text in a <pre> (never parsed as markup). */
export function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span class="muted">–</span>;
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}
