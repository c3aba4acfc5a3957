#!/usr/bin/env bash
# Throughput and latency of the main signed-in pages, measured with wrk against the
# demonstration installation (embedded SQLite) on this machine.
#
#   bench/web.sh [path/to/passerelle]   (default: target/release/passerelle)
#
# Needs wrk and curl. Prints one wrk summary per page. Loopback only; bounded in time.
set -euo pipefail
BIN="${1:-target/release/passerelle}"
PORT="${PORT:-18765}"
BASE="http://127.0.0.1:$PORT"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
OUT=$(mktemp)
JAR=$(mktemp)
"$BIN" demo --listen "127.0.0.1:$PORT" >"$OUT" 2>/dev/null &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; rm -f "$OUT" "$JAR"' EXIT
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

csrf() { curl -s -c "$JAR" -b "$JAR" "$BASE$1" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//'; }
USER=nadia.cote
SECRET=$(grep "^$USER " "$OUT" | awk '{print $NF}')
curl -s -c "$JAR" -b "$JAR" -o /dev/null -d "csrf=$(csrf /login)&username=$USER&password=passerelle-demo-2026" "$BASE/login"
curl -s -c "$JAR" -b "$JAR" -o /dev/null -d "csrf=$(csrf /login/mfa)&code=$("$BIN" totp-code "$SECRET")" "$BASE/login/mfa"
COOKIE=$(awk '$6=="passerelle-session"{print "passerelle-session=" $7}' "$JAR")
[ -n "$COOKIE" ] || { echo "sign-in failed" >&2; exit 1; }
# One completed screening so that its pages can be measured too.
curl -s -c "$JAR" -b "$JAR" -o /dev/null -D - -d "csrf=$(csrf /screenings/new)&s1_recruited=yes" "$BASE/screenings/new" \
  | awk 'tolower($1)=="location:"{print $2}' | tr -d '\r' > "$OUT.loc"
EDIT=$(cat "$OUT.loc"); rm -f "$OUT.loc"
PAGE=$(curl -s -b "$JAR" "$BASE$EDIT")
V=$(echo "$PAGE" | grep -o 'name="version" value="[^"]*"' | sed 's/.*value="//;s/"$//')
C=$(echo "$PAGE" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
curl -s -b "$JAR" -o /dev/null -d "csrf=$C&version=$V&action=evaluate&acts=recruited&age_years=15&exploitation=sexual_services" "$BASE$EDIT"
RESULT=${EDIT%/edit}

for path in /healthz /login / /screenings "$RESULT" /screenings/new; do
  echo "== GET $path"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Cookie: $COOKIE" "$BASE$path" \
    | grep -E "Requests/sec|Latency  |50%|90%|99%|Non-2xx"
done
