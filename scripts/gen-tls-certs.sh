#!/usr/bin/env bash
# gen-tls-certs.sh: a private CA and a server certificate for the local Redis/PostgreSQL TLS
# ports. Usage: scripts/gen-tls-certs.sh DIR [extra SAN ...]   (SAN as DNS:name or IP:addr)
# Writes DIR/ca.crt ca.key server.crt server.key; idempotent: existing files are kept while the
# server cert still verifies against the CA, covers the requested names and is valid > 1 day.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [DNS:name|IP:addr ...]" >&2
  exit 2
fi
dir=$1
shift
sans="DNS:localhost,IP:127.0.0.1,IP:::1"
for extra in "$@"; do
  case $extra in
    DNS:*|IP:*) sans="$sans,$extra" ;;
    *) echo "$0: SAN must be DNS:name or IP:addr, got '$extra'" >&2; exit 2 ;;
  esac
done

mkdir -p "$dir"
# Stack scripts for Redis and PostgreSQL may run at the same time: one generator at a time.
exec 9>"$dir/.gen-tls-certs.lock"
flock 9

up_to_date() {
  [ -s "$dir/ca.crt" ] && [ -s "$dir/ca.key" ] && [ -s "$dir/server.crt" ] && [ -s "$dir/server.key" ] || return 1
  openssl verify -CAfile "$dir/ca.crt" "$dir/server.crt" >/dev/null 2>&1 || return 1
  openssl x509 -in "$dir/server.crt" -noout -checkend 86400 >/dev/null 2>&1 || return 1
  openssl x509 -in "$dir/ca.crt" -noout -checkend 86400 >/dev/null 2>&1 || return 1
  # The key must belong to the certificate.
  [ "$(openssl x509 -in "$dir/server.crt" -noout -pubkey)" = "$(openssl pkey -in "$dir/server.key" -pubout 2>/dev/null)" ] || return 1
  local have
  have=$(openssl x509 -in "$dir/server.crt" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr -d ' ')
  local IFS=,
  for want in $sans; do
    case $want in
      IP:::1) want="IPAddress:0:0:0:0:0:0:0:1" ;;
      IP:*) want="IPAddress:${want#IP:}" ;;
    esac
    case ",$have," in *",$want,"*) ;; *) return 1 ;; esac
  done
  return 0
}

if up_to_date; then
  echo "gen-tls-certs: certificates in $dir are up to date"
  exit 0
fi

tmp=$(mktemp -d "$dir/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
umask 077

# Keep a still-valid CA so clients that already trust it keep working.
if [ -s "$dir/ca.crt" ] && [ -s "$dir/ca.key" ] &&
   openssl x509 -in "$dir/ca.crt" -noout -checkend 86400 >/dev/null 2>&1; then
  cp "$dir/ca.crt" "$dir/ca.key" "$tmp/"
else
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" -days 3650 -subj "/CN=Chatlings local CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$tmp/server.key" -out "$tmp/server.csr" -subj "/CN=localhost" 2>/dev/null
cat >"$tmp/ext.cnf" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$sans
EOF
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
  -set_serial "0x$(openssl rand -hex 16)" -days 825 -sha256 \
  -extfile "$tmp/ext.cnf" -out "$tmp/server.crt" 2>/dev/null
openssl verify -CAfile "$tmp/ca.crt" "$tmp/server.crt" >/dev/null

chmod 644 "$tmp/ca.crt" "$tmp/server.crt"
chmod 600 "$tmp/ca.key" "$tmp/server.key"
# Keys first, certificates last, each by rename: a reader never sees a cert without its key.
for f in ca.key ca.crt server.key server.crt; do
  mv -f "$tmp/$f" "$dir/$f"
done
echo "gen-tls-certs: wrote CA and server certificate ($sans) to $dir"
