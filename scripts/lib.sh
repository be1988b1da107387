# Shared helpers for the project's shell scripts (sourced, not run).

# Installs dependencies when node_modules is missing or older than the lock file.
ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "== installing npm dependencies" >&2
    npm ci --no-audit --no-fund >&2
  fi
}

# Custom search attributes this project writes; registered when the dev server starts and by
# scripts/cluster/up.sh on the local cluster.
# Keep in step with PROJECT_SEARCH_ATTRIBUTES in workflows/search-attributes.ts.
SEARCH_ATTRIBUTES=(OktaUserId=Keyword OktaLogin=Keyword AccessAction=Keyword AccessOutcome=Keyword AccessRequestId=Keyword)

search_attribute_flags() {
  local sa
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do printf -- '--search-attribute %s ' "$sa"; done
}

# Dynamic config every dev server of the project runs with (deploy/cluster/dynamicconfig.yaml is the
# cluster's copy). Priority: Temporal 1.29 dispatches tasks by priority key only with the new matcher;
# without it the poller's tasks wait behind a storm's episodes (workflows/lockout/messages.ts).
dev_server_config_flags() {
  printf -- '--dynamic-config-value %s ' \
    frontend.enableUpdateWorkflowExecution=true \
    matching.useNewMatcher=true
}

# True when a Temporal frontend answers a health check at the address.
temporal_ready() {
  "$1" operator cluster health --address "$2" --command-timeout 2s >/dev/null 2>&1
}

wait_for_temporal() {
  local bin=$1 address=$2 timeout=${3:-60} waited=0
  until temporal_ready "$bin" "$address"; do
    sleep 0.5
    waited=$((waited + 1))
    if [ "$waited" -ge $((timeout * 2)) ]; then
      echo "Temporal at $address did not answer within ${timeout}s" >&2
      return 1
    fi
  done
}
