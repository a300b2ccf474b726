// game: reference data and formatting the screens share (rarities, traits, times), and the
// stand-in picture of a creature used until its real artwork has loaded (or when it cannot).
import type { Creature } from './store';

export const RARITIES = ['Common', 'Uncommon', 'Rare', 'Epic', 'Legendary', 'Mythical'] as const;
export const RARITY_WEIGHT: Record<string, number> = {
  Common: 1, Uncommon: 2, Rare: 4, Epic: 8, Legendary: 16, Mythical: 32,
};
export const BODY_TYPES = [
  'Floof', 'Beanie', 'Blob', 'Noodle', 'Squishy', 'Spike', 'Athlete', 'Sleek', 'Knight', 'Guardian',
  'Ranger', 'Mage', 'Dragon', 'Beast', 'Mech', 'Spirit', 'Titan', 'Robot', 'Zombie', 'Gothic',
];
export const TRAITS = [
  'friendliness', 'playfulness', 'creativity', 'empathy', 'energy', 'confidence', 'humor', 'curiosity',
] as const;
export const SCORES = ['ability', 'strength', 'affection', 'uniqueness', 'overall'] as const;
export const SCORE_HELP: Record<string, string> = {
  ability: 'Creativity + Curiosity',
  strength: 'Energy + Confidence',
  affection: 'Friendliness + Empathy',
  uniqueness: 'Playfulness + Humor',
  overall: 'All eight traits',
};

export const cap = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);
export const rarityClass = (r: string | undefined) => `r-${(r || 'common').toLowerCase()}`;

/** Derived scores of GAME.md, for creatures whose payload carries only traits. */
export function scoresOf(c: Creature): Record<string, number> | null {
  if (c.scores) return c.scores;
  const t = c.traits;
  if (!t) return null;
  const m = (a: number, b: number) => Math.round(((a + b) / 2) * 10) / 10;
  const all = TRAITS.reduce((s, k) => s + (t[k] ?? 0), 0);
  return {
    ability: m(t.creativity, t.curiosity),
    strength: m(t.energy, t.confidence),
    affection: m(t.friendliness, t.empathy),
    uniqueness: m(t.playfulness, t.humor),
    overall: Math.round((all / 8) * 10) / 10,
  };
}

export function timeAgo(iso: string | null | undefined): string {
  if (!iso) return '';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (Number.isNaN(s)) return '';
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 86400 * 14) return `${Math.round(s / 86400)} d ago`;
  return new Date(iso).toLocaleDateString();
}

export function clock(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function duration(seconds: number): string {
  seconds = Math.max(0, Math.round(seconds));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export const fmt = (n: number | undefined | null) =>
  n === undefined || n === null ? '–' : Number(n).toLocaleString(undefined, { maximumFractionDigits: 1 });

// ---- stand-in artwork ----

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

const PALETTES = [
  ['#ffd34d', '#ffa62b'], ['#7ee0c3', '#2fb393'], ['#9ec5ff', '#5b8cff'], ['#d6a8ff', '#a45cf0'],
  ['#ffb1c8', '#ff6f9c'], ['#ffcf9e', '#ff8f4d'], ['#b8f07a', '#72c43c'], ['#a8e6ff', '#3db7e8'],
];

/** A deterministic cute blob for a creature id: a data: URL (an <img> source, never markup). */
export function standInArt(c: Pick<Creature, 'id' | 'name' | 'rarity'>, bg?: string): string {
  const h = hash(c.id || c.name || 'x');
  const [light, dark] = PALETTES[h % PALETTES.length];
  const squish = 0.85 + ((h >>> 4) % 30) / 100;
  const eyeGap = 34 + ((h >>> 9) % 16);
  const eyeY = 104 + ((h >>> 13) % 14);
  const mouth = (h >>> 17) % 3;
  const ears = (h >>> 20) % 3;
  const rx = 70;
  const ry = Math.round(70 * squish);
  const cy = 118 + (70 - ry) / 2;
  const earsSvg =
    ears === 0
      ? `<ellipse cx="${100 - 44}" cy="${cy - ry + 18}" rx="14" ry="22" fill="${dark}"/><ellipse cx="${100 + 44}" cy="${cy - ry + 18}" rx="14" ry="22" fill="${dark}"/>`
      : ears === 1
        ? `<path d="M100 ${cy - ry + 4} q-4 -26 14 -34" stroke="#3b1d6e" stroke-width="5" fill="none" stroke-linecap="round"/><circle cx="116" cy="${cy - ry - 32}" r="8" fill="${dark}" stroke="#3b1d6e" stroke-width="4"/>`
        : `<path d="M70 ${cy - ry + 20} l-8 -30 l26 16 z M130 ${cy - ry + 20} l8 -30 l-26 16 z" fill="${dark}" stroke="#3b1d6e" stroke-width="4" stroke-linejoin="round"/>`;
  const mouthSvg =
    mouth === 0
      ? `<path d="M88 ${eyeY + 26} q12 12 24 0" stroke="#3b1d6e" stroke-width="5" fill="none" stroke-linecap="round"/>`
      : mouth === 1
        ? `<ellipse cx="100" cy="${eyeY + 30}" rx="8" ry="6" fill="#3b1d6e"/>`
        : `<path d="M86 ${eyeY + 26} q7 8 14 0 q7 8 14 0" stroke="#3b1d6e" stroke-width="5" fill="none" stroke-linecap="round"/>`;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200">` +
    `<defs><radialGradient id="g" cx="0.35" cy="0.3" r="0.8"><stop offset="0" stop-color="#fff"/><stop offset="0.35" stop-color="${light}"/><stop offset="1" stop-color="${dark}"/></radialGradient></defs>` +
    (bg ? `<rect width="200" height="200" fill="${bg}"/>` : '') +
    earsSvg +
    `<ellipse cx="100" cy="${cy}" rx="${rx}" ry="${ry}" fill="url(#g)" stroke="#3b1d6e" stroke-width="6"/>` +
    `<ellipse cx="${100 - eyeGap / 2 - 4}" cy="${eyeY}" rx="9" ry="11" fill="#3b1d6e"/><ellipse cx="${100 + eyeGap / 2 + 4}" cy="${eyeY}" rx="9" ry="11" fill="#3b1d6e"/>` +
    `<circle cx="${100 - eyeGap / 2 - 1}" cy="${eyeY - 4}" r="3" fill="#fff"/><circle cx="${100 + eyeGap / 2 + 7}" cy="${eyeY - 4}" r="3" fill="#fff"/>` +
    `<ellipse cx="${100 - eyeGap / 2 - 22}" cy="${eyeY + 18}" rx="9" ry="5" fill="#ff7aa8" opacity="0.6"/><ellipse cx="${100 + eyeGap / 2 + 22}" cy="${eyeY + 18}" rx="9" ry="5" fill="#ff7aa8" opacity="0.6"/>` +
    mouthSvg +
    `</svg>`;
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/** Where a creature's picture lives: /thumbs/:id (200x200) or /artwork/:id (full size). */
export function artUrl(c: Creature, size: 'thumb' | 'full' = 'thumb'): string {
  if (size === 'thumb' && c.thumb_url) return c.thumb_url;
  if (size === 'full' && c.artwork_url) return c.artwork_url;
  return `/${size === 'thumb' ? 'thumbs' : 'artwork'}/${encodeURIComponent(c.id)}`;
}
