#!/usr/bin/env bash
# Load benchmark of signed-in journeys (case list, case page, name searches, screening stage 1)
# on an installation of 100,000 fictional children: on embedded SQLite with one server, and on
# PostgreSQL with two servers sharing the database. Manual: not part of the test suite.
#
#   bench/load/run.sh [sqlite|postgres|both]          (default: both)
#
# Environment (defaults in brackets):
#   CHILDREN [100000]     children to create (`passerelle bench cases`)
#   DURATION [12s]        wrk run per journey
#   CONNECTIONS [16]      wrk connections in all (split evenly over the servers)
#   THREADS [2]           wrk threads (a multiple of the number of servers)
#   PG_URL [postgres://postgres@127.0.0.1:5432/test]   the schema bench_load is dropped and recreated
#   BIN                   a built passerelle (skips `cargo build --release --locked`)
#   KEEP [0]              1: keep the installations afterwards (SQLite dir, PostgreSQL schema)
#
# Needs wrk (Debian: apt-get install wrk), curl and psql. Loopback only; every wrk run is
# bounded in time; the servers are stopped on exit. Prints one line per journey and a Markdown
# table for docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE="${1:-both}"
CHILDREN="${CHILDREN:-100000}"
DURATION="${DURATION:-12s}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
KEEP="${KEEP:-0}"
LUA="$(pwd)/bench/load/journeys.lua"
JOURNEYS="list case search word screening"

if [ -z "${BIN:-}" ]; then
  cargo build --release --locked
  BIN="${CARGO_TARGET_DIR:-target}/release/passerelle"
fi
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$KEEP" != 1 ]; then
    rm -rf "$WORK"
    psql "$PG_URL" -Xqc 'DROP SCHEMA IF EXISTS bench_load CASCADE' >/dev/null 2>&1 || true
  else
    echo "kept: $WORK (and the PostgreSQL schema bench_load)"
  fi
}
trap cleanup EXIT
TABLE="$WORK/table.md"

wait_ready() { for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "server on $1 did not start" >&2; exit 1; }
field() { grep -o "name=\"$1\" value=\"[^\"]*\"" | head -1 | sed 's/.*value="//;s/"$//'; }

# fill LOCATION…: 100,000 children, then a password for bench.worker (case worker and
# supervisor of the bench organization); prints the password.
fill() {
  echo "filling: $CHILDREN children ($*)" >&2
  local start=$SECONDS
  "$BIN" bench cases --children "$CHILDREN" --samples 50 "$@" >&2
  echo "fill and storage timings: $((SECONDS - start)) s" >&2
  "$BIN" admin reset-password --username bench.worker "$@" | sed -n 's/.*temporary password: //p'
}

# sign_in PORT PASSWORD: password, then second-factor enrolment, with curl; prints the cookie.
sign_in() {
  local base="http://127.0.0.1:$1" jar="$WORK/jar" secret
  rm -f "$jar"
  curl -s -c "$jar" -b "$jar" -o /dev/null -d "csrf=$(curl -s -c "$jar" -b "$jar" "$base/login" | field csrf)&username=bench.worker&password=$2" "$base/login"
  local page; page=$(curl -s -c "$jar" -b "$jar" "$base/mfa/setup")
  secret=$(echo "$page" | sed -n 's/.*<code class="secret">\([^<]*\)<.*/\1/p' | tr -d ' ')
  curl -s -c "$jar" -b "$jar" -o /dev/null -d "csrf=$(echo "$page" | field csrf)&code=$("$BIN" totp-code "$secret")" "$base/mfa/setup"
  awk '$6=="passerelle-session"{print "passerelle-session=" $7}' "$jar"
}

# measure LABEL COOKIE PORT…: every journey, wrk's threads spread over the ports.
measure() {
  local label=$1 cookie=$2; shift 2
  local ports; ports=$(IFS=,; echo "$*")
  curl -s -H "Cookie: $cookie" "http://127.0.0.1:$1/cases" | grep -o '/cases/[0-9a-f-]\{36\}' | sed 's|/cases/||' | sort -u > "$WORK/ids"
  [ -s "$WORK/ids" ] || { echo "$label: sign-in failed (no case list)" >&2; exit 1; }
  for j in $JOURNEYS; do
    local line
    line=$(JOURNEY=$j COOKIE=$cookie PORTS=$ports CASE_IDS="$WORK/ids" CHILDREN=$CHILDREN \
      wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s "$LUA" "http://127.0.0.1:$1" | grep '^RESULT')
    echo "$label $line"
    case "$line" in *" non200=0 errors=0 "*) ;; *) echo "$label $j: refused or failed requests" >&2; exit 1 ;; esac
    echo "$line" | awk -v l="$label" '{for(i=2;i<=NF;i++){split($i,a,"=");v[a[1]]=a[2]}
      printf "| %s | %s | %s | %s ms | %s ms | %s ms |\n", l, v["journey"], v["rps"], v["p50"], v["p90"], v["p99"]}' >> "$TABLE"
  done
}

echo "passerelle: $("$BIN" --version 2>/dev/null || echo "$BIN"); $(nproc) cores; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"

if [ "$MODE" = sqlite ] || [ "$MODE" = both ]; then
  LOC=(--data-dir "$WORK/sqlite")
  PW=$(fill "${LOC[@]}")
  "$BIN" serve "${LOC[@]}" --listen 127.0.0.1:18780 >/dev/null 2>&1 & PIDS+=($!)
  wait_ready 18780
  COOKIE=$(sign_in 18780 "$PW")
  measure "SQLite, 1 server" "$COOKIE" 18780
  kill -TERM "${PIDS[@]}"; wait "${PIDS[@]}" 2>/dev/null || true; PIDS=()
fi

if [ "$MODE" = postgres ] || [ "$MODE" = both ]; then
  psql "$PG_URL" -Xqc 'DROP SCHEMA IF EXISTS bench_load CASCADE' -c 'CREATE SCHEMA bench_load' >/dev/null
  SEP='?'; case "$PG_URL" in *\?*) SEP='&' ;; esac
  LOC=(--database-url "${PG_URL}${SEP}options=-c%20search_path%3Dbench_load" --key-file "$WORK/pg-master.key")
  PW=$(fill "${LOC[@]}")
  for port in 18781 18782; do
    "$BIN" serve "${LOC[@]}" --listen "127.0.0.1:$port" >/dev/null 2>&1 & PIDS+=($!)
  done
  wait_ready 18781; wait_ready 18782
  # Signed in through the first server; the session is in the database, so both answer it.
  COOKIE=$(sign_in 18781 "$PW")
  measure "PostgreSQL, 2 servers" "$COOKIE" 18781 18782
  "$BIN" audit verify "${LOC[@]}"
fi

echo
echo "| installation | journey | requests/s | p50 | p90 | p99 |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
cat "$TABLE"
