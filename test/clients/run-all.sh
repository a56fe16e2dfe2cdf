#!/usr/bin/env bash
# Captures the OTLP/JSON that every client library emits.
#
#   cd test/clients && npm ci && ./run-all.sh        (or: npm run capture)
#
# Starts capture.js (OTLP/HTTP receiver) and fake-openai.js on 127.0.0.1, runs
# each library script against them and leaves <service>.<signal>.json in
# ../../testdata/golden (CAPTURE_DIR), the inputs of the golden cases clients-*.
#
# Env:
#   FAKE_OPENAI_PORT  fake OpenAI port (default 43180; fixed so server.port in the
#                     fixtures is stable; 0 = random)
#   CAPTURE_PORT      OTLP receiver port (default 0 = random; not visible in fixtures)
#   CLIENTS           space-separated subset of scripts (default: all of them)
#   KEEP_CAPTURED=1   do not delete the clients-* captures first (files are appended to)
set -euo pipefail

cd "$(dirname "$0")"
NODE=./node_modules/.bin/node
if [[ ! -x "$NODE" ]]; then
  echo "run-all: $NODE not found - run 'npm ci' in $(pwd) first" >&2
  exit 2
fi
echo "run-all: using node $("$NODE" --version)"

CLIENTS=${CLIENTS:-"otel-openai openllmetry openinference ai6 ai7 langchain-openinference langchain-openllmetry anthropic-sdk anthropic-openinference anthropic-openllmetry bedrock-aws-sdk mastra strands"}
FAKE_OPENAI_PORT=${FAKE_OPENAI_PORT:-43180}
CAPTURE_PORT=${CAPTURE_PORT:-0}

CAPTURE_DIR=${CAPTURE_DIR:-../../testdata/golden}
export CAPTURE_DIR
if [[ -z "${KEEP_CAPTURED:-}" ]]; then
  rm -f "$CAPTURE_DIR"/clients-*.traces.json "$CAPTURE_DIR"/clients-*.logs.json
fi
mkdir -p "$CAPTURE_DIR"

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME LOGFILE CMD... : starts a server in the background, waits for its
# "listening on URL" line and prints the URL.
wait_url() {
  local log=$1 pid=$2
  for _ in $(seq 1 100); do
    if grep -q 'listening on http' "$log" 2>/dev/null; then
      grep -o 'http://[0-9.:]*' "$log" | head -n1
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  cat "$log" >&2
  return 1
}

CAPTURE_PORT=$CAPTURE_PORT "$NODE" capture.js >"$tmp/capture.log" 2>&1 &
pids+=($!)
capture_url=$(wait_url "$tmp/capture.log" "${pids[-1]}") || { echo "run-all: capture.js did not start" >&2; exit 1; }

FAKE_OPENAI_PORT=$FAKE_OPENAI_PORT "$NODE" fake-openai.js >"$tmp/fake.log" 2>&1 &
pids+=($!)
fake_url=$(wait_url "$tmp/fake.log" "${pids[-1]}") || { echo "run-all: fake-openai.js did not start" >&2; exit 1; }

echo "run-all: capture at $capture_url, fake model server at $fake_url"

failed=()
for client in $CLIENTS; do
  echo "=== $client"
  if ! OTLP_ENDPOINT=$capture_url OPENAI_BASE_URL=$fake_url/v1 "$NODE" "$client.js"; then
    failed+=("$client")
  fi
done

# Give the receiver a moment to finish writing, then report.
sleep 0.3
status=$(curl -sf "$capture_url/status" 2>/dev/null || "$NODE" -e "fetch('$capture_url/status').then(r=>r.text()).then(t=>console.log(t))")
echo "run-all: capture status $status"
if grep -q '"protobuf":[1-9]' <<<"$status"; then
  echo "run-all: WARNING some library sent protobuf (see $CAPTURE_DIR/_protobuf.*.bin)" >&2
fi
if [[ -s "$tmp/capture.log" ]] && grep -q 'ERROR\|WARNING' "$tmp/capture.log"; then
  cat "$tmp/capture.log" >&2
fi

echo "run-all: captured files (regenerate the golden payloads: go test -run TestGolden -update .):"
ls -l "$CAPTURE_DIR"/clients-*

if ((${#failed[@]})); then
  echo "run-all: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "run-all: all clients ok"
