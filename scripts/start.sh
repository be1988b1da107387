#!/usr/bin/env bash
# Starts the whole system on one machine:
#   the Temporal dev server (SQLite under .data/, Web UI on 8233), the Okta simulator when no Okta
#   org is configured, the worker, and the lockout poller. Safe to run twice: whatever is already
#   running is reused. Ctrl-C stops what this script started (the dev server keeps running; stop it
#   with `npm run temporal:dev stop`). `npm start -- --detach` returns once everything is up.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

detach=0
[ "${1:-}" = "--detach" ] && detach=1

# .env values are seen by this script too (the real environment still wins, as in the app).
if [ -f .env ]; then
  while IFS= read -r line; do
    [[ "$line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    key=${BASH_REMATCH[2]} value=${BASH_REMATCH[3]}
    value=${value#[\"\']} value=${value%[\"\']}
    [ -z "${!key+x}" ] && export "$key=$value"
  done <.env
fi

DATA_DIR="${DATA_DIR:-.data}"
LOGS="$DATA_DIR/logs"
mkdir -p "$LOGS"
ensure_node_modules

# Local secrets, made once and kept under .data/ (mode 600); production sets the variables from its
# secret store instead. Usage: local_secret VARIABLE FILE PREFIX ENCODING DESCRIPTION (32 random bytes).
local_secret() {
  local var=$1 file="$DATA_DIR/$2"
  [ -n "${!var:-}" ] && return 0
  if [ ! -s "$file" ]; then
    (umask 077 && node -e "process.stdout.write(process.argv[1] + require('crypto').randomBytes(32).toString(process.argv[2]))" "$3" "$4" >"$file")
    echo "generated $5 in $file"
  fi
  export "$var=$(cat "$file")"
}
# Payload encryption is not optional (reset links are credentials).
local_secret PAYLOAD_ENCRYPTION_KEYS payload-encryption-key dev1: base64 "a development payload key"
# The event hook secret Okta sends with every push (set EVENT_HOOK_SECRET for a real org).
local_secret EVENT_HOOK_SECRET event-hook-secret "" base64url "an event hook secret"
# A demo chat-frontend token for the HTTP API (set HTTP_API_TOKENS for real frontends).
export HTTP_API_TOKENS="${HTTP_API_TOKENS:-demo:demo-frontend-token-change-me}"
# An approver token belongs to one helpdesk person (carol is helpdesk in the simulator's demo seed).
export HTTP_API_APPROVER_TOKENS="${HTTP_API_APPROVER_TOKENS:-carol@example.com:demo-approver-token-change-me}"
# The codec server decrypts payloads for whoever holds its token; the dev server's Web UI gets it in its
# codec endpoint's path (the UI cannot send headers of its own), the CLI from .data/local-system.env.
codec_base="http://127.0.0.1:${CODEC_SERVER_PORT:-8888}"
local_secret CODEC_SERVER_TOKEN codec-server-token "" base64url "a codec-server token"
export TEMPORAL_UI_CODEC_ENDPOINT="${TEMPORAL_UI_CODEC_ENDPOINT:-$codec_base/t/$CODEC_SERVER_TOKEN}"
# The worker's /livez, /readyz and /metrics: loopback on a laptop (containers use 0.0.0.0, the default).
export WORKER_HEALTH_HOST="${WORKER_HEALTH_HOST:-127.0.0.1}"
worker_health="http://127.0.0.1:${WORKER_HEALTH_PORT:-9464}"

TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
export TEMPORAL_ADDRESS
if [[ "$TEMPORAL_ADDRESS" == 127.0.0.1:* || "$TEMPORAL_ADDRESS" == localhost:* ]]; then
  TEMPORAL_DEV_PORT="${TEMPORAL_ADDRESS##*:}" bash scripts/temporal-dev.sh start
  web_ui="http://localhost:${TEMPORAL_DEV_UI_PORT:-8233}"
  # A dev server kept from an earlier start may give its Web UI another codec endpoint (no token yet).
  ui_codec=$(curl -fsS --max-time 2 "$web_ui/api/v1/settings" 2>/dev/null |
    node -e "let s='';process.stdin.on('data',(d)=>(s+=d)).on('end',()=>{try{process.stdout.write(JSON.parse(s).Codec.Endpoint||'')}catch{}})" || true)
  if [ -n "$ui_codec" ] && [ "$ui_codec" != "$TEMPORAL_UI_CODEC_ENDPOINT" ]; then
    echo "note: the running dev server's Web UI uses another codec endpoint; to let it decode payloads, restart it: npm run temporal:dev stop && npm start" >&2
  fi
else
  echo "Using the Temporal cluster at $TEMPORAL_ADDRESS"
  web_ui="(your cluster's Web UI)"
fi

pids=()
# Starts a background process unless its pid file names a live one; logs go to .data/logs/NAME.log.
start_bg() {
  local name=$1; shift
  local pid_file="$DATA_DIR/$name.pid"
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "$name already running (pid $(cat "$pid_file"))"
    return 0
  fi
  setsid "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! >"$pid_file"
  pids+=("$!")
  echo "$name started (pid $!, log $LOGS/$name.log)"
}

wait_http() { # url seconds [log-name]: until the URL answers 2xx, at most that long
  local i
  for i in $(seq 1 $(($2 * 4))); do
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
    sleep 0.25
  done
  echo "no answer from $1 after $2 s" >&2
  [ -n "${3:-}" ] && [ -f "$LOGS/$3.log" ] && tail -20 "$LOGS/$3.log" >&2
  return 1
}

# The HTTP API's /readyz (200); a build of the API without one (401/404 there) is ready once it answers.
wait_api_ready() { # base seconds
  local i code
  for i in $(seq 1 $(($2 * 4))); do
    code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$1/readyz" 2>/dev/null || true)
    case "$code" in 200 | 401 | 404) return 0 ;; esac
    sleep 0.25
  done
  echo "HTTP API at $1 not ready after $2 s" >&2
  tail -20 "$LOGS/http-api.log" >&2
  return 1
}

if [ -z "${OKTA_ORG_URL:-}" ]; then
  sim_port="${OKTA_SIM_PORT:-8080}"
  export OKTA_ORG_URL="http://127.0.0.1:$sim_port"
  export OKTA_API_TOKEN="${OKTA_SIM_API_TOKEN:-sim-api-token}"
  if ! curl -fsS -o /dev/null "$OKTA_ORG_URL/__sim/health" 2>/dev/null; then
    start_bg okta-sim npx --no-install tsx okta-sim/main.ts --port "$sim_port" --seed "${OKTA_SIM_SEED:-demo}" --token "$OKTA_API_TOKEN"
    wait_http "$OKTA_ORG_URL/__sim/health" 30
    # A new simulator has a new, in-memory System Log: a poller kept in Temporal from an earlier
    # start holds a cursor into the old one. Start that poller afresh (a real org keeps its log).
    "$(bash scripts/temporal-cli.sh)" workflow terminate --address "$TEMPORAL_ADDRESS" \
      -w "lockout-poller/127.0.0.1:$sim_port" --reason "Okta simulator restarted: new System Log" >/dev/null 2>&1 || true
  else
    echo "okta-sim already running at $OKTA_ORG_URL"
  fi
  okta_note="Okta simulator $OKTA_ORG_URL (no OKTA_ORG_URL configured; see docs/okta-simulator.md)"
  # Demo people for the web chat and console, only with the simulator (a real org sets WEB_USERS).
  export WEB_USERS="${WEB_USERS:-alice@example.com:alice-demo-token-change-me,dave@example.com:dave-demo-token-change-me,carol@example.com:carol-demo-token-change-me}"
  export HELPDESK_LOGINS="${HELPDESK_LOGINS:-carol@example.com}"
else
  okta_note="Okta org $OKTA_ORG_URL"
fi

# What this start decided, for the CLI and anything else started by hand (see LOCAL_SYSTEM_ENV_PATH).
{
  echo "# written by scripts/start.sh: the local system's settings; .env and the environment override them"
  echo "PAYLOAD_ENCRYPTION_KEYS=$PAYLOAD_ENCRYPTION_KEYS"
  echo "OKTA_ORG_URL=$OKTA_ORG_URL"
  [ -n "${OKTA_API_TOKEN:-}" ] && [ -n "${sim_port:-}" ] && echo "OKTA_API_TOKEN=$OKTA_API_TOKEN"
  echo "HTTP_API_TOKENS=$HTTP_API_TOKENS"
  echo "HTTP_API_APPROVER_TOKENS=$HTTP_API_APPROVER_TOKENS"
  echo "TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS"
  echo "CODEC_SERVER_TOKEN=$CODEC_SERVER_TOKEN"
  echo "EVENT_HOOK_SECRET=$EVENT_HOOK_SECRET"
} >"$DATA_DIR/local-system.env.tmp"
chmod 600 "$DATA_DIR/local-system.env.tmp"
mv "$DATA_DIR/local-system.env.tmp" "$DATA_DIR/local-system.env"

start_bg worker npx --no-install tsx workers/main.ts
start_bg http-api npx --no-install tsx client/http-api/main.ts
start_bg event-hook npx --no-install tsx client/event-hook/main.ts
# The Slack app runs when a Slack app is configured (docs/slack-app.md).
slack_note="(not configured: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, see docs/slack-app.md)"
if [ -n "${SLACK_SIGNING_SECRET:-}" ] && [ -n "${SLACK_BOT_TOKEN:-}" ]; then
  start_bg slack-app npx --no-install tsx client/slack-app/main.ts
  slack_note="http://${SLACK_APP_HOST:-127.0.0.1}:${SLACK_APP_PORT:-3000}/slack/events  (Slack's request URL, through your HTTPS ingress)"
fi
# The poller start is idempotent (the workflow ID is fixed per org).
npx --no-install tsx client/start-poller.ts
# Return (or print the summary) only once everything below is ready: bounded waits, logs on failure.
api_base="http://127.0.0.1:${HTTP_API_PORT:-8090}"
web_note="(not configured: set WEB_USERS, see docs/web-console.md)"; console_note="$web_note"
if [ -n "${WEB_USERS:-}" ]; then
  web_note="$api_base/web/  (people: WEB_USERS; docs/web-console.md)"
  console_note="$api_base/web/console  (helpdesk: HELPDESK_LOGINS)"
  if [ -n "${sim_port:-}" ]; then
    web_note="$web_note  demo: alice@example.com / alice-demo-token-change-me"
    console_note="$console_note  demo: carol@example.com / carol-demo-token-change-me"
  fi
fi
wait_http "$worker_health/readyz" 90 worker
wait_api_ready "$api_base" 60
wait_http "$codec_base/livez" 30 http-api

# Push: the simulator gets the event hook at once (registering is idempotent). A real org needs the
# receiver's public HTTPS address in EVENT_HOOK_URL first, then `npm run cli -- event-hook register`.
hook_url="${EVENT_HOOK_URL:-http://${EVENT_HOOK_HOST:-127.0.0.1}:${EVENT_HOOK_PORT:-8092}/okta/event-hook}"
if [ -n "${sim_port:-}" ]; then
  wait_http "http://${EVENT_HOOK_HOST:-127.0.0.1}:${EVENT_HOOK_PORT:-8092}/healthz" 30
  npx --no-install tsx client/cli.ts event-hook register
  hook_note="$hook_url  (registered with the simulator: lockouts are pushed, the poller is the backstop)"
else
  hook_note="$hook_url  (register it: npm run cli -- event-hook register)"
fi

cat <<MSG

okta-account-access is up
  Temporal Web UI  $web_ui   (search: AccessAction = "unlock")
  Temporal gRPC    $TEMPORAL_ADDRESS
  Okta             $okta_note
  Logs             $LOGS/
  HTTP API         $api_base  (OpenAPI: /openapi.json; demo token in HTTP_API_TOKENS)
  Web chat         $web_note
  Helpdesk console $console_note
  Codec server     $codec_base  (the Web UI decrypts payloads through it; token in $DATA_DIR/local-system.env)
  Worker           $worker_health/readyz  (Prometheus: $worker_health/metrics)
  Okta event hook  $hook_note
  Slack app        $slack_note
  Operator CLI     npm run cli -- help   (report: npm run cli -- report --since 30d)
MSG

if [ "$detach" = 1 ] || [ ${#pids[@]} -eq 0 ]; then
  [ ${#pids[@]} -eq 0 ] && echo "(everything was already running)"
  exit 0
fi
stop_children() {
  echo; echo "stopping worker and simulator started by this script..."
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
  for name in worker http-api event-hook slack-app okta-sim; do rm -f "$DATA_DIR/$name.pid"; done
}
trap stop_children INT TERM
echo "Ctrl-C to stop (the dev server keeps its state in $DATA_DIR/temporal.sqlite)"
wait
