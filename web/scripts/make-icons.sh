#!/bin/sh
# make-icons.sh: renders the app icons in public/icons from scripts/icon.svg with rsvg-convert
# (Debian's librsvg2-bin). The PNGs are committed, so a build does not need the tool; run this
# (npm run icons) after changing the SVG.
set -eu
cd "$(dirname "$0")/.."
out=public/icons
mkdir -p "$out"
command -v rsvg-convert >/dev/null || { echo "make-icons: rsvg-convert missing (apt-get install librsvg2-bin)" >&2; exit 1; }
cp scripts/icon.svg "$out/icon.svg"
for s in 192 512; do rsvg-convert -w $s -h $s scripts/icon.svg -o "$out/icon-$s.png"; done
rsvg-convert -w 180 -h 180 scripts/icon.svg -o "$out/apple-touch-icon.png"
# maskable: the artwork shrunk into the 80 % safe zone, the background stretched to the edges
sed -e 's|viewBox="0 0 512 512"|viewBox="-64 -64 640 640"|' \
    -e 's|<rect width="512" height="512"|<rect x="-64" y="-64" width="640" height="640"|' \
  scripts/icon.svg >"$out/.maskable.svg"
rsvg-convert -w 512 -h 512 "$out/.maskable.svg" -o "$out/maskable-512.png"
rm -f "$out/.maskable.svg"
ls -l "$out"
