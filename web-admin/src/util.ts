// util: formatting and the small pure helpers the screens share.

export const RARITIES = ['Common', 'Uncommon', 'Rare', 'Epic', 'Legendary', 'Mythical'] as const;
export const TRAITS = ['friendliness', 'playfulness', 'creativity', 'empathy', 'energy', 'confidence', 'humor', 'curiosity'] as const;

const nf = new Intl.NumberFormat('en-GB');
export const num = (n: number | null | undefined) => (n === null || n === undefined ? '–' : nf.format(n));

export function when(iso: string | null | undefined): string {
  if (!iso) return '–';
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso;
}

export function ago(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export const cap = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);
export const label = (s: string) => cap(s.replace(/_/g, ' '));

export type Bucket = { le: number | null; count: number };

/** The q-quantile of a cumulative histogram (le null = +Inf), interpolated like Prometheus. */
export function quantile(q: number, buckets: Bucket[]): number | null {
  if (!buckets.length) return null;
  const total = buckets[buckets.length - 1].count;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    if (b.count < rank) continue;
    if (b.le === null) return i > 0 ? buckets[i - 1].le : null;
    const lo = i > 0 ? (buckets[i - 1].le as number) : 0;
    const clo = i > 0 ? buckets[i - 1].count : 0;
    if (b.count === clo) return b.le;
    return lo + ((b.le - lo) * (rank - clo)) / (b.count - clo);
  }
  return null;
}

/** The difference of two cumulative histograms with the same bounds (now - before). */
export function bucketDelta(now: Bucket[], before: Bucket[]): Bucket[] {
  if (now.length !== before.length) return now;
  return now.map((b, i) => ({ le: b.le, count: Math.max(0, b.count - before[i].count) }));
}

/** A YouTube video id from an id or a watch / share URL; null when it is neither. */
export function videoId(input: string): string | null {
  const s = input.trim();
  if (/^[A-Za-z0-9_-]{11}$/.test(s)) return s;
  try {
    const u = new URL(s);
    const v = u.searchParams.get('v') || (u.hostname.endsWith('youtu.be') ? u.pathname.slice(1) : '');
    return /^[A-Za-z0-9_-]{11}$/.test(v) ? v : null;
  } catch {
    return null;
  }
}
