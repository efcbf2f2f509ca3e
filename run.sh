#!/usr/bin/env bash
# Local entry point. See README.md.
#   ./run.sh          the demo: whole stack plus a portal outage and a webhook endpoint outage, watched live
#   ./run.sh up       install (if missing) and start RabbitMQ and PostgreSQL, create vhost, database and users
#   ./run.sh down     stop what `up` started, and nothing else
#   ./run.sh test     bring the services up, build, run every test, print "N passed, N failed" (options after `test`
#                     go to `dotnet test`: ./run.sh test --filter FullyQualifiedName~ClusterNodeFailure)
#   ./run.sh bench    the stack, then the load and outage benchmarks against a bare MassTransit baseline, and the outage
#                     with three consumer instances, sharing the breaker and each on its own
#   ./run.sh chaos    the reliability suite: a fresh stack (two consumer instances, a RabbitMQ cluster of three), each fault
#                     scenario in turn under load, then docs/reliability.md and its pictures (docs/reliability/*.png)
#   ./run.sh fault ACTION [N]
#                     one of the suite's faults on the running stack: kill-consumer N, start-consumer N, kill-api, start-api,
#                     broker-stop, broker-start, node-stop N, node-start N, postgres-restart, postgres-freeze, postgres-thaw
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR="$ROOT/.run"
mkdir -p "$STATE_DIR"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Local defaults; every value can be overridden from the environment. One broker user and one database role per service
# (docs/operations.md, "Users and permissions"); the test administrator exists only once `./run.sh test` has run.
: "${PAYMENTS_RABBITMQ_VHOST:=payments}"
: "${PAYMENTS_RABBITMQ_CONSUMER_USER:=payments}"
: "${PAYMENTS_RABBITMQ_CONSUMER_PASSWORD:=payments}"
: "${PAYMENTS_RABBITMQ_API_USER:=payments-api}"
: "${PAYMENTS_RABBITMQ_API_PASSWORD:=payments-api}"
: "${PAYMENTS_RABBITMQ_ADMIN_USER:=payments-test-admin}"
: "${PAYMENTS_RABBITMQ_ADMIN_PASSWORD:=payments-test-admin}"
: "${PAYMENTS_POSTGRES_DB:=payments}"
# The local stack's per-client rate limit: high enough that the demo and the benchmark measure the system, not the limiter
# (a deployment keeps the API's default of 100 requests per second).
: "${PAYMENTS_API_PERMITS_PER_SECOND:=5000}"
: "${PAYMENTS_POSTGRES_USER:=payments}"
# Connections per service process (the API and each consumer instance): 20 leaves room for four consumers and the API.
: "${PAYMENTS_POSTGRES_POOL_SIZE:=20}"
: "${PAYMENTS_POSTGRES_PASSWORD:=payments}"
: "${PAYMENTS_POSTGRES_API_USER:=payments_api}"
: "${PAYMENTS_POSTGRES_API_PASSWORD:=payments_api}"
# The consumer signs the demo's webhook events and the simulator's receiver checks them with the same secret; the default is
# the consumer's development secret (WebhookOptions.DevelopmentSecret), which only the Development environment accepts.
: "${PAYMENTS_WEBHOOK_URL:=http://127.0.0.1:5082/_sim/webhooks/demo}"
: "${PAYMENTS_WEBHOOK_SECRET:=dev-webhook-secret-0123456789abcdef}"
# Retries and the endpoint's breaker on a demo's time scale, so that an endpoint outage is seen to heal within the run (a
# deployment keeps the consumer's defaults: 10 s doubling to 1 h, breaker open 60 s).
: "${PAYMENTS_WEBHOOK_INITIAL_DELAY:=00:00:02}"
: "${PAYMENTS_WEBHOOK_MAX_DELAY:=00:00:10}"
: "${PAYMENTS_WEBHOOK_BREAKER_OPEN_TIMEOUT:=00:00:05}"
# The broker's setup script and the integration tests' fixtures read these.
export PAYMENTS_RABBITMQ_VHOST PAYMENTS_RABBITMQ_CONSUMER_USER PAYMENTS_RABBITMQ_CONSUMER_PASSWORD \
  PAYMENTS_RABBITMQ_API_USER PAYMENTS_RABBITMQ_API_PASSWORD PAYMENTS_POSTGRES_API_USER PAYMENTS_POSTGRES_API_PASSWORD

log() { printf '[run] %s\n' "$*" >&2; }
die() { printf '[run] error: %s\n' "$*" >&2; exit 1; }

# Waits until "$@" succeeds, at most $1 seconds; polls every half second.
wait_for() {
  local timeout=$1 what=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { log "error: $what did not answer within ${timeout}s"; return 1; }
    sleep 0.5
  done
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_packages() {
  local missing=()
  command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ] || missing+=(rabbitmq-server)
  command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql postgresql-contrib)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  # The load tool's timelines (the demo's, the reliability suite's) draw their text with the fonts under /usr/share/fonts.
  compgen -G "/usr/share/fonts/truetype/*/*.ttf" >/dev/null || missing+=(fonts-dejavu-core)
  if [ "$#" -gt 0 ]; then
    local extra
    for extra in "$@"; do
      case "$extra" in
        promtool) command -v promtool >/dev/null 2>&1 || missing+=(prometheus) ;;
        docker-compose) command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose) ;;
      esac
    done
  fi
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
  command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK (dotnet) is required"
}

# ---------------------------------------------------------------- RabbitMQ
rabbit_running() { as_root rabbitmq-diagnostics -q check_running >/dev/null 2>&1; }

# The open-files limit a node starts with. RabbitMQ keeps a file handle per queue segment and connection and blocks once
# its handles run out; at the 1,024 that su and runuser give the rabbitmq user, the tests' quorum queues exhaust it
# (docs/operations.md). The command raises it, in the rabbitmq user's own shell (the switch of user resets it), to
# RabbitMQ's recommended 65,536, or to the hard limit when that is lower.
RABBIT_NOFILE_RAISE='ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"'

rabbit_up() {
  as_root rabbitmq-plugins enable --offline rabbitmq_management rabbitmq_prometheus >/dev/null
  if rabbit_running; then
    log "RabbitMQ already running"
  elif default_rabbit_booting; then
    # A node is up but not answering yet (booting, or its app restarting): a second node would only fight it for the port.
    log "a RabbitMQ node is starting; waiting for it"
    wait_for 120 "RabbitMQ" as_root rabbitmq-diagnostics -q check_running
  elif port_in_use 5672; then
    die "port 5672 is taken by something other than the single node rabbit@$RABBIT_HOST (node 1 of a cluster that './run.sh up' started with PAYMENTS_RABBITMQ_NODES, say: './run.sh down' first)"
  else
    log "starting RabbitMQ"
    # No systemd here: start the node detached, as the rabbitmq user, the way Debian's wrapper does (from the user's
    # home, which holds the Erlang cookie), with the open-files limit raised after the switch of user.
    as_root sh -c "cd '$RABBIT_USER_HOME' && nohup runuser -u rabbitmq -- env HOME='$RABBIT_USER_HOME' \
      sh -c '$RABBIT_NOFILE_RAISE; exec /usr/lib/rabbitmq/bin/rabbitmq-server' >/var/log/rabbitmq/payments-run.log 2>&1 &"
    touch "$STATE_DIR/rabbitmq.started"
    wait_for 120 "RabbitMQ" as_root rabbitmq-diagnostics -q check_running \
      || { tail -n 20 /var/log/rabbitmq/payments-run.log >&2; exit 1; }
  fi
  wait_for 60 "RabbitMQ management UI" curl -fsS -u guest:guest http://localhost:15672/api/overview
  # The virtual host and one user per service with the permissions of deploy/rabbitmq/permissions.tsv, through the same
  # script docker-compose runs; guest (an administrator that RabbitMQ lets in from loopback only) makes the changes.
  RABBITMQ_MANAGEMENT_URL=http://localhost:15672 RABBITMQ_MANAGEMENT_USER=guest RABBITMQ_MANAGEMENT_PASSWORD=guest \
    "$ROOT/deploy/rabbitmq/setup-users.sh" >/dev/null
  as_root rabbitmqctl -q set_permissions -p "$PAYMENTS_RABBITMQ_VHOST" guest '.*' '.*' '.*'
  log "RabbitMQ ready: amqp://localhost:5672/$PAYMENTS_RABBITMQ_VHOST (users $PAYMENTS_RABBITMQ_CONSUMER_USER, $PAYMENTS_RABBITMQ_API_USER), management UI http://localhost:15672 (guest/guest)"
}

# A node of the single broker is booting: a beam.smp of the rabbitmq user that is not one of the cluster nodes below
# (which carry their node name in their environment).
default_rabbit_booting() { [ -n "$(default_rabbit_pids)" ]; }

default_rabbit_pids() {
  local pid
  for pid in $(pgrep -u rabbitmq -x beam.smp 2>/dev/null); do
    as_root grep -qz '^RABBITMQ_NODENAME=' "/proc/$pid/environ" 2>/dev/null || echo "$pid"
  done
}

# The integration tests create and delete virtual hosts of their own, which takes an administrator; no service runs as it.
# rabbit_test_admin [NODE]: on the single node, or on NODE (and so its cluster).
rabbit_test_admin() {
  local ctl=(rabbitmqctl -q)
  [ "$#" -gt 0 ] && ctl+=(-n "$1")
  as_root "${ctl[@]}" add_user "$PAYMENTS_RABBITMQ_ADMIN_USER" "$PAYMENTS_RABBITMQ_ADMIN_PASSWORD" 2>/dev/null \
    || as_root "${ctl[@]}" change_password "$PAYMENTS_RABBITMQ_ADMIN_USER" "$PAYMENTS_RABBITMQ_ADMIN_PASSWORD"
  as_root "${ctl[@]}" set_user_tags "$PAYMENTS_RABBITMQ_ADMIN_USER" administrator
  export PAYMENTS_RABBITMQ_ADMIN_USER PAYMENTS_RABBITMQ_ADMIN_PASSWORD
}

# The integration tests' virtual hosts (payments-test- and 12 hex digits) that a run cut short left behind: each holds a
# score of quorum queues that the node keeps open, so they pile up run after run. Only a test run creates them, and
# runs do not overlap (one stack at a time), so at the start of one every such virtual host is stale.
rabbit_stale_test_vhosts_delete() {
  local vhosts vhost count=0
  vhosts=$(as_root rabbitmqctl -q list_vhosts name | grep -E '^payments-test-[0-9a-f]{12}$' || true)
  [ -n "$vhosts" ] || return 0
  log "deleting $(echo "$vhosts" | wc -l) virtual hosts an earlier test run left behind"
  for vhost in $vhosts; do
    as_root rabbitmqctl -q delete_vhost "$vhost" >/dev/null && count=$((count + 1))
  done
  log "deleted $count"
}

rabbit_down() {
  if [ -f "$STATE_DIR/rabbitmq.started" ]; then
    log "stopping RabbitMQ"
    as_root timeout 120 rabbitmqctl -q shutdown >/dev/null 2>&1 || as_root timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 || true
    # A node that does not stop when asked (one out of file handles blocks its own shutdown) is killed: quorum queues
    # and the message store recover from their logs at the next start.
    local pids
    pids=$(default_rabbit_pids)
    if [ -n "$pids" ]; then
      log "RabbitMQ did not stop when asked; killing it"
      # shellcheck disable=SC2086 # one pid per word
      as_root kill -KILL $pids 2>/dev/null || true
    fi
    # The node started Erlang's port mapper daemon; it goes with it.
    as_root epmd -kill >/dev/null 2>&1 || true
    rm -f "$STATE_DIR/rabbitmq.started"
  fi
}

# ---------------------------------------------------------------- RabbitMQ cluster (PAYMENTS_RABBITMQ_NODES=3)
# Nodes of Debian's rabbitmq-server on this machine, each with its own node name, data folder under .run/rabbitmq/ and
# ports; they run as the rabbitmq user, like the single node, and so share its Erlang cookie, which lets rabbitmqctl (as
# root, through Debian's wrapper) reach every one of them: `rabbitmqctl -n payments-2@$(hostname -s) cluster_status`.
# Node I of cluster NAME is NAME-I@host with AMQP on PORT+I-1, management on MANAGEMENT+I-1, prometheus on
# MANAGEMENT+20+I-1 and Erlang distribution on PORT+20000+I-1 (RabbitMQ's own offsets for the default ports: node 1 of
# the default cluster has the single node's 5672, 15672, 15692 and 25672).
RABBIT_HOST=$(hostname -s)
RABBIT_USER_HOME=$(getent passwd rabbitmq 2>/dev/null | cut -d: -f6 || true)
: "${RABBIT_USER_HOME:=/var/lib/rabbitmq}"

cluster_node() { echo "$1-$2@$RABBIT_HOST"; }

# The nodes' data live in .run/rabbitmq/ when the rabbitmq user can reach it; a checkout under a folder it cannot enter
# (root's home, say) keeps them in that user's home instead, one folder per checkout.
cluster_data_root() {
  if [ -z "${CLUSTER_DATA_ROOT:-}" ]; then
    if as_root runuser -u rabbitmq -- test -x "$STATE_DIR" 2>/dev/null; then
      CLUSTER_DATA_ROOT="$STATE_DIR/rabbitmq"
    else
      CLUSTER_DATA_ROOT="$RABBIT_USER_HOME/payments-run/$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
    fi
  fi
  echo "$CLUSTER_DATA_ROOT"
}
cluster_dir() { echo "$(cluster_data_root)/$1-$2"; }

# cluster_ports PORT MANAGEMENT I: "amqp management prometheus distribution" of node I.
cluster_ports() { echo "$(($1 + $3 - 1)) $(($2 + $3 - 1)) $(($2 + 20 + $3 - 1)) $(($1 + 20000 + $3 - 1))"; }

node_running() { as_root rabbitmq-diagnostics -q -n "$1" check_running >/dev/null 2>&1; }

# The cookie must exist before the first node starts: nodes starting together would each write one of their own.
rabbit_cookie() {
  local cookie="$RABBIT_USER_HOME/.erlang.cookie"
  as_root test -f "$cookie" && return
  as_root sh -c "umask 077 && tr -dc A-Z </dev/urandom | head -c 20 >'$cookie' && chown rabbitmq:rabbitmq '$cookie' && chmod 400 '$cookie'"
}

# cluster_node_start NAME PORT MANAGEMENT I: starts node I in the background (a node already running is left as it is).
cluster_node_start() {
  local name=$1 i=$4 node dir amqp mgmt prom dist port
  node=$(cluster_node "$name" "$i")
  dir=$(cluster_dir "$name" "$i")
  read -r amqp mgmt prom dist <<<"$(cluster_ports "$2" "$3" "$i")"
  # The CLI takes seconds to answer: asked only when something listens on the node's port.
  if port_in_use "$amqp" && node_running "$node"; then
    log "RabbitMQ node $node already running (amqp $amqp, management $mgmt)"
    return
  fi
  for port in "$amqp" "$mgmt" "$prom" "$dist"; do
    if port_in_use "$port"; then
      die "port $port for RabbitMQ node $node is taken (by the single node rabbit@$RABBIT_HOST, say: stop it with './run.sh down' where it was started, or put the cluster on other ports with PAYMENTS_RABBITMQ_CLUSTER_PORT / _MANAGEMENT_PORT)"
    fi
  done
  as_root mkdir -p "$dir/mnesia" "$dir/log"
  printf 'listeners.tcp.default = %s\nmanagement.tcp.port = %s\nprometheus.tcp.port = %s\n' "$amqp" "$mgmt" "$prom" \
    | as_root tee "$dir/rabbitmq.conf" >/dev/null
  echo '[rabbitmq_management,rabbitmq_prometheus].' | as_root tee "$dir/enabled_plugins" >/dev/null
  as_root touch "$dir/rabbitmq-env.conf"
  as_root chown -R rabbitmq:rabbitmq "$dir"
  mkdir -p "$LOG_DIR"
  log "starting RabbitMQ node $node (amqp $amqp, management $mgmt, distribution $dist; data ${dir#"$ROOT"/}, log .run/logs/rabbitmq-$name-$i.log)"
  # No systemd: detached, as the rabbitmq user; everything the node keeps is in its own folder, none of /etc/rabbitmq applies.
  as_root setsid nohup runuser -u rabbitmq -- sh -c "$RABBIT_NOFILE_RAISE; exec \"\$@\"" rabbitmq-node env -C "$dir" HOME="$RABBIT_USER_HOME" \
    RABBITMQ_NODENAME="$node" RABBITMQ_DIST_PORT="$dist" RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
    ERL_CRASH_DUMP="$dir/erl_crash.dump" /usr/lib/rabbitmq/bin/rabbitmq-server \
    >"$LOG_DIR/rabbitmq-$name-$i.log" 2>&1 </dev/null &
  echo "$node" >"$STATE_DIR/rabbitmq-$name-$i.started"
}

# cluster_up NAME COUNT PORT MANAGEMENT: the nodes, node 2..COUNT joined to node 1, then the virtual host, users and
# permissions (made after the join: a joining node is reset and takes node 1's). All nodes start together: after a
# `down`, a node waits at boot for the peers it last saw, so one at a time could wait on a node not started yet.
cluster_up() {
  local name=$1 count=$2 port=$3 mgmt=$4 i node first
  first=$(cluster_node "$name" 1)
  CLUSTER_DATA_ROOT=$(cluster_data_root)
  [ "$CLUSTER_DATA_ROOT" = "$STATE_DIR/rabbitmq" ] || log "the rabbitmq user cannot enter $STATE_DIR: the nodes' data go to $CLUSTER_DATA_ROOT"
  rabbit_cookie
  for ((i = 1; i <= count; i++)); do cluster_node_start "$name" "$port" "$mgmt" "$i"; done
  for ((i = 1; i <= count; i++)); do
    node=$(cluster_node "$name" "$i")
    wait_for 180 "RabbitMQ node $node" as_root rabbitmq-diagnostics -q -n "$node" check_running \
      || { tail -n 20 "$LOG_DIR/rabbitmq-$name-$i.log" >&2; exit 1; }
  done
  for ((i = 2; i <= count; i++)); do
    node=$(cluster_node "$name" "$i")
    if as_root rabbitmqctl -q -n "$first" eval 'rabbit_nodes:all().' | grep -q "'$node'"; then
      continue
    fi
    log "joining $node to $first"
    # Checked one by one: a caller may run this where errexit does not apply (in a condition). A reset node warns that
    # its feature flags file is gone, which is what a reset does: the output is shown only when a step fails.
    local step out
    for step in stop_app reset "join_cluster $first" start_app; do
      # shellcheck disable=SC2086
      out=$(as_root rabbitmqctl -q -n "$node" $step 2>&1) || die "rabbitmqctl -n $node $step failed: $out"
    done
  done
  for ((i = 1; i <= count; i++)); do
    wait_for 120 "RabbitMQ node $(cluster_node "$name" "$i")" as_root rabbitmq-diagnostics -q -n "$(cluster_node "$name" "$i")" check_running
  done
  local url="http://localhost:$mgmt"
  wait_for 60 "RabbitMQ management UI of $first" curl -fsS -u guest:guest "$url/api/overview"
  # Quorum queues get a member on every node of the cluster when they are declared (RabbitMQ's default group size), so
  # the services' queues, declared once the cluster stands, are replicated on all of them.
  RABBITMQ_MANAGEMENT_URL="$url" RABBITMQ_MANAGEMENT_USER=guest RABBITMQ_MANAGEMENT_PASSWORD=guest \
    "$ROOT/deploy/rabbitmq/setup-users.sh" >/dev/null || die "the users of $first could not be set up"
  as_root rabbitmqctl -q -n "$first" set_permissions -p "$PAYMENTS_RABBITMQ_VHOST" guest '.*' '.*' '.*' || die "guest's permissions on $first"
}

# cluster_nodes_setting NAME COUNT PORT: "localhost:5672,localhost:5673,localhost:5674", the nodes' AMQP addresses.
cluster_nodes_setting() {
  local i list=""
  for ((i = 1; i <= $2; i++)); do list+="${list:+,}localhost:$(($3 + i - 1))"; done
  echo "$list"
}

# cluster_down NAME [forget]: stops the nodes of cluster NAME this state folder started, the last one first; with
# `forget`, deletes their data too.
cluster_down() {
  local name=$1 marker node i
  for marker in $(ls -r "$STATE_DIR"/rabbitmq-"$name"-[0-9]*.started 2>/dev/null); do
    node=$(cat "$marker")
    log "stopping RabbitMQ node $node"
    as_root rabbitmqctl -q -n "$node" stop >/dev/null 2>&1 || true
    rm -f "$marker"
    if [ "${2:-}" = forget ]; then
      i=${marker##*-}; i=${i%.started}
      as_root rm -rf "$(cluster_dir "$name" "$i")"
    fi
  done
}

# ---------------------------------------------------------------- PostgreSQL
pg_cluster() {
  # "version name" of the first cluster Debian's postgresql-common knows.
  pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2}'
}

pg_up() {
  local cluster
  cluster=$(pg_cluster)
  if [ -z "$cluster" ]; then
    local version
    version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    as_root pg_createcluster "$version" main >/dev/null
    cluster="$version main"
  fi
  # pg_stat_statements counts the statements per role, which `bench` reports per payment; it must be loaded at start.
  local conf_dir="/etc/postgresql/${cluster// //}/conf.d"
  if [ -d "$conf_dir" ] && [ ! -f "$conf_dir/payments.conf" ]; then
    echo "shared_preload_libraries = 'pg_stat_statements'" | as_root tee "$conf_dir/payments.conf" >/dev/null
  fi
  # shellcheck disable=SC2086
  if pg_lsclusters --no-header | awk '$4=="online"' | grep -q .; then
    log "PostgreSQL already running"
    if [ -f "$STATE_DIR/postgresql.started" ] \
       && ! as_root su postgres -c "psql -qAtc 'show shared_preload_libraries'" | grep -q pg_stat_statements; then
      log "restarting PostgreSQL to load pg_stat_statements"
      as_root pg_ctlcluster $cluster restart -m fast
    fi
  else
    log "starting PostgreSQL $cluster"
    # shellcheck disable=SC2086
    as_root pg_ctlcluster $cluster start
    touch "$STATE_DIR/postgresql.started"
  fi
  wait_for 60 "PostgreSQL" as_root su postgres -c "psql -qAtc 'select 1'"
  local psql=(as_root su postgres -c)
  "${psql[@]}" "psql -v ON_ERROR_STOP=1 -qAt" <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PAYMENTS_POSTGRES_USER') THEN
    CREATE ROLE "$PAYMENTS_POSTGRES_USER" LOGIN CREATEDB PASSWORD '$PAYMENTS_POSTGRES_PASSWORD';
  ELSE
    ALTER ROLE "$PAYMENTS_POSTGRES_USER" LOGIN CREATEDB PASSWORD '$PAYMENTS_POSTGRES_PASSWORD';
  END IF;
END \$\$;
SQL
  if ! "${psql[@]}" "psql -qAtc \"select 1 from pg_database where datname = '$PAYMENTS_POSTGRES_DB'\"" | grep -q 1; then
    "${psql[@]}" "createdb -O '$PAYMENTS_POSTGRES_USER' '$PAYMENTS_POSTGRES_DB'"
  fi
  if "${psql[@]}" "psql -qAtc 'show shared_preload_libraries'" | grep -q pg_stat_statements; then
    "${psql[@]}" "psql -qAt -d $(printf '%q' "$PAYMENTS_POSTGRES_DB") -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements'" >/dev/null
  fi
  # The API's role and its grants (deploy/postgres/roles.sql, which docker-compose's init runs too); the password goes in
  # on stdin, not on a command line.
  { printf "\\set api_password '%s'\n" "$(printf '%s' "$PAYMENTS_POSTGRES_API_PASSWORD" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"
    cat "$ROOT/deploy/postgres/roles.sql"; } \
    | "${psql[@]}" "psql -v ON_ERROR_STOP=1 -qAt -d $(printf '%q' "$PAYMENTS_POSTGRES_DB") -v owner=$(printf '%q' "$PAYMENTS_POSTGRES_USER") -v api_role=$(printf '%q' "$PAYMENTS_POSTGRES_API_USER")" >/dev/null
  log "PostgreSQL ready: postgres://$PAYMENTS_POSTGRES_USER@localhost:5432/$PAYMENTS_POSTGRES_DB (API role $PAYMENTS_POSTGRES_API_USER)"
}

pg_down() {
  if [ -f "$STATE_DIR/postgresql.started" ]; then
    log "stopping PostgreSQL"
    local cluster
    cluster=$(pg_cluster)
    # shellcheck disable=SC2086
    [ -n "$cluster" ] && as_root pg_ctlcluster $cluster stop -m fast || true
    rm -f "$STATE_DIR/postgresql.started"
  fi
}

# ---------------------------------------------------------------- the application processes
LOG_DIR="$STATE_DIR/logs"
BUILD_DIR="$STATE_DIR/build"

build_apps() {
  log "building the services (Release)"
  local project
  for project in Payments.PortalSimulator Payments.Consumer Payments.Api; do
    dotnet build "$ROOT/src/$project/$project.csproj" -c Release -nologo -v quiet "-clp:ErrorsOnly;NoSummary" -o "$BUILD_DIR/$project"
  done
}

build_tool() {
  dotnet build "$ROOT/bench/Payments.Load/Payments.Load.csproj" -c Release -nologo -v quiet "-clp:ErrorsOnly;NoSummary" -o "$BUILD_DIR/Payments.Load"
}

# start_app NAME PORT [PROJECT]: runs the built service PROJECT (default NAME) in the background as NAME, records its pid
# and port, waits for /health/ready.
start_app() {
  local name=$1 port=$2 project=${3:-$1} pidfile="$STATE_DIR/$1.pid"
  if app_running "$name"; then
    log "$name already running (pid $(cat "$pidfile"))"
    return
  fi
  mkdir -p "$LOG_DIR"
  log "starting $name on http://127.0.0.1:$port (log: .run/logs/$name.log)"
  # The local stack runs with the development defaults, which only the Development environment accepts.
  (cd "$BUILD_DIR/$project" && ASPNETCORE_ENVIRONMENT=Development DOTNET_ENVIRONMENT=Development \
    exec nohup dotnet "$project.dll" --urls "http://127.0.0.1:$port" >"$LOG_DIR/$name.log" 2>&1) &
  echo $! >"$pidfile"
  echo "$port" >"$STATE_DIR/$name.port"
  local path=/health/ready
  [ "$project" = Payments.PortalSimulator ] && path=/health/live
  wait_for 90 "$name" curl -fsS "http://127.0.0.1:$port$path" \
    || { tail -n 30 "$LOG_DIR/$name.log" >&2; exit 1; }
}

# service_env NAME [INSTANCE]: exports the broker login and database settings of service NAME in the current (sub)shell,
# for start_app to hand on. The API logs in with its restricted user and role and leaves the saga migrations to the
# consumer; the consumer also gets the webhook endpoint of client `default` (the simulator's receiver `demo`), and the
# simulator the secret to check its signatures with. Consumer INSTANCE (default 1) reports its breakers as
# consumer-INSTANCE; only the first one migrates.
service_env() {
  # Each process's connection pool is bounded, so that the API and several consumer instances fit in PostgreSQL's
  # max_connections (Debian's default 100; Npgsql's own default pool is 100 per process). Loopback needs no TLS: without
  # SSL Mode=Disable, Npgsql takes the snakeoil TLS Debian's cluster offers, 3.2 ms of CPU per payment (docs/benchmarks.md).
  local postgres="Host=localhost;Port=5432;Database=$PAYMENTS_POSTGRES_DB;Maximum Pool Size=$PAYMENTS_POSTGRES_POOL_SIZE;SSL Mode=Disable"
  case "$1" in
    Payments.Consumer)
      local instance=${2:-1} migrate=true
      [ "$instance" -eq 1 ] || migrate=false
      export CircuitBreakerReporting__InstanceId="consumer-$instance" Postgres__MigrateOnStartup="$migrate" \
        RabbitMq__VirtualHost="$PAYMENTS_RABBITMQ_VHOST" RabbitMq__Username="$PAYMENTS_RABBITMQ_CONSUMER_USER" \
        RabbitMq__Password="$PAYMENTS_RABBITMQ_CONSUMER_PASSWORD" \
        Postgres__ConnectionString="$postgres;Username=$PAYMENTS_POSTGRES_USER;Password=$PAYMENTS_POSTGRES_PASSWORD" \
        Webhooks__default__Url="$PAYMENTS_WEBHOOK_URL" Webhooks__default__Secret="$PAYMENTS_WEBHOOK_SECRET" \
        WebhookDelivery__InitialDelay="$PAYMENTS_WEBHOOK_INITIAL_DELAY" WebhookDelivery__MaxDelay="$PAYMENTS_WEBHOOK_MAX_DELAY" \
        CircuitBreakers__Webhooks__OpenTimeout="$PAYMENTS_WEBHOOK_BREAKER_OPEN_TIMEOUT"
      rabbit_nodes_env
      ;;
    Payments.PortalSimulator)
      export Simulator__WebhookSecret="$PAYMENTS_WEBHOOK_SECRET"
      ;;
    Payments.Api)
      export RabbitMq__VirtualHost="$PAYMENTS_RABBITMQ_VHOST" RabbitMq__Username="$PAYMENTS_RABBITMQ_API_USER" \
        RabbitMq__Password="$PAYMENTS_RABBITMQ_API_PASSWORD" \
        Postgres__ConnectionString="$postgres;Username=$PAYMENTS_POSTGRES_API_USER;Password=$PAYMENTS_POSTGRES_API_PASSWORD" \
        Postgres__MigrateOnStartup=false \
        Api__RateLimit__PermitsPerSecond="$PAYMENTS_API_PERMITS_PER_SECOND" Api__RateLimit__Burst="$PAYMENTS_API_PERMITS_PER_SECOND"
      rabbit_nodes_env
      ;;
  esac
}

# With a cluster, the services connect to every node (RabbitMq__Nodes__0, __1, ...); else to the single node's defaults.
rabbit_nodes_env() {
  [ "$PAYMENTS_RABBITMQ_NODES" -gt 1 ] || return 0
  local i
  for ((i = 0; i < PAYMENTS_RABBITMQ_NODES; i++)); do
    export "RabbitMq__Nodes__$i=localhost:$((PAYMENTS_RABBITMQ_CLUSTER_PORT + i))"
  done
}

stop_app() {
  local pidfile="$STATE_DIR/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $1"
    kill "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile" "$STATE_DIR/$1.port"
}

app_running() { [ -f "$STATE_DIR/$1.pid" ] && kill -0 "$(cat "$STATE_DIR/$1.pid")" 2>/dev/null; }

# Something (ours or not) accepts connections on the loopback port $1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Consumer instance $1 (from 1) runs as Payments.Consumer (the first) or Payments.Consumer-N, with its own pid file,
# port file and log under .run/.
consumer_name() { if [ "$1" -eq 1 ]; then echo Payments.Consumer; else echo "Payments.Consumer-$1"; fi; }

# The management ports of the $PAYMENTS_CONSUMERS instances: 5081 for the first, then the next free port after the one
# before, past the simulator's 5082 (5083, 5084, ... on a machine with nothing else on them). A running instance keeps the
# port it has.
consumer_ports() {
  local i port=5080 name
  for ((i = 1; i <= PAYMENTS_CONSUMERS; i++)); do
    name=$(consumer_name "$i")
    if app_running "$name" && [ -f "$STATE_DIR/$name.port" ]; then
      port=$(cat "$STATE_DIR/$name.port")
    else
      port=$((port + 1))
      while [ "$port" -eq 5082 ] || port_in_use "$port"; do port=$((port + 1)); done
    fi
    echo "$port"
  done
}

apps_up() {
  local names=(Payments.PortalSimulator Payments.Api) running=() i
  for ((i = 1; i <= PAYMENTS_CONSUMERS; i++)); do names+=("$(consumer_name "$i")"); done
  for i in "${names[@]}"; do app_running "$i" && running+=("$i"); done
  if [ "${#running[@]}" -eq "${#names[@]}" ]; then
    log "the services are already running; './run.sh down' first to rebuild and restart them"
  elif [ "${#running[@]}" -gt 0 ] && [ -d "$BUILD_DIR/Payments.Consumer" ]; then
    # A build would overwrite the files of the processes that run: the missing ones start from the build they run from.
    log "already running: ${running[*]}; starting the others from the same build ('./run.sh down' first to rebuild)"
  else
    build_apps
  fi
  (service_env Payments.PortalSimulator && start_app Payments.PortalSimulator 5082)
  # The first consumer alone first: it migrates the saga schema and declares the topology the API's user may not. The
  # others start once it is ready and leave the migrations to it.
  local ports
  mapfile -t ports < <(consumer_ports)
  for ((i = 1; i <= PAYMENTS_CONSUMERS; i++)); do
    (service_env Payments.Consumer "$i" && start_app "$(consumer_name "$i")" "${ports[i - 1]}" Payments.Consumer)
  done
  (service_env Payments.Api && start_app Payments.Api 5080)
}

apps_down() {
  stop_app Payments.Api
  # Every instance, also those of an earlier `up` with more of them.
  local pidfile
  for pidfile in "$STATE_DIR"/Payments.Consumer*.pid; do
    [ -f "$pidfile" ] && stop_app "$(basename "$pidfile" .pid)"
  done
  stop_app Payments.PortalSimulator
}

# "consumer-1 http://127.0.0.1:5081, consumer-2 http://127.0.0.1:5083": the running instances.
consumers_line() {
  local i name line=""
  for ((i = 1; i <= PAYMENTS_CONSUMERS; i++)); do
    name=$(consumer_name "$i")
    line+="${line:+, }consumer-$i http://127.0.0.1:$(cat "$STATE_DIR/$name.port")"
  done
  echo "$line"
}

# ---------------------------------------------------------------- commands
services_up() {
  ensure_packages "$@"
  if [ "$PAYMENTS_RABBITMQ_NODES" -gt 1 ]; then
    cluster_up "$PAYMENTS_RABBITMQ_CLUSTER_NAME" "$PAYMENTS_RABBITMQ_NODES" "$PAYMENTS_RABBITMQ_CLUSTER_PORT" "$PAYMENTS_RABBITMQ_CLUSTER_MANAGEMENT_PORT"
    log "RabbitMQ cluster ready: nodes $(cluster_nodes_setting "$PAYMENTS_RABBITMQ_CLUSTER_NAME" "$PAYMENTS_RABBITMQ_NODES" "$PAYMENTS_RABBITMQ_CLUSTER_PORT") ($PAYMENTS_RABBITMQ_CLUSTER_NAME-1..$PAYMENTS_RABBITMQ_NODES@$RABBIT_HOST), virtual host $PAYMENTS_RABBITMQ_VHOST, management UI http://localhost:$PAYMENTS_RABBITMQ_CLUSTER_MANAGEMENT_PORT (guest/guest)"
  else
    rabbit_up
  fi
  pg_up
}

rabbit_line() {
  if [ "$PAYMENTS_RABBITMQ_NODES" -gt 1 ]; then
    echo "RabbitMQ cluster of $PAYMENTS_RABBITMQ_NODES nodes $(cluster_nodes_setting "$PAYMENTS_RABBITMQ_CLUSTER_NAME" "$PAYMENTS_RABBITMQ_NODES" "$PAYMENTS_RABBITMQ_CLUSTER_PORT"), UI http://localhost:$PAYMENTS_RABBITMQ_CLUSTER_MANAGEMENT_PORT (guest/guest)"
  else
    echo "RabbitMQ UI http://localhost:15672 (guest/guest)"
  fi
}

cmd_up() {
  services_up
  apps_up
  log "stack is up: API http://127.0.0.1:5080 (X-Api-Key: dev-api-key, X-Admin-Key: dev-admin-key), consumers $(consumers_line), portal simulator http://127.0.0.1:5082, $(rabbit_line)"
}

cmd_down() {
  apps_down
  cluster_down "$PAYMENTS_RABBITMQ_CLUSTER_NAME"
  rabbit_down
  pg_down
}

# The cluster the node-failure test runs on (tests/Payments.IntegrationTests/Messaging/ClusterNodeFailureTests.cs): three
# nodes of their own names, ports and data, new for each run and gone after it, apart from whatever `up` runs. The test
# reads where it is from PAYMENTS_TEST_RABBITMQ_CLUSTER_*, and fails without them.
test_cluster_up() {
  local name=$PAYMENTS_TEST_RABBITMQ_CLUSTER_NAME port=$PAYMENTS_TEST_RABBITMQ_CLUSTER_PORT mgmt=$PAYMENTS_TEST_RABBITMQ_CLUSTER_MANAGEMENT_PORT
  local started=$SECONDS i names="" urls=""
  cluster_down "$name" forget
  as_root rm -rf "$(cluster_data_root)/$name"-[0-9]*
  trap 'cluster_down "$PAYMENTS_TEST_RABBITMQ_CLUSTER_NAME" forget' EXIT
  if ! (cluster_up "$name" 3 "$port" "$mgmt" && rabbit_test_admin "$(cluster_node "$name" 1)"); then
    log "error: the test cluster did not start; the cluster test will fail for want of PAYMENTS_TEST_RABBITMQ_CLUSTER_*"
    return 0
  fi
  for ((i = 1; i <= 3; i++)); do
    names+="${names:+,}$(cluster_node "$name" "$i")"
    urls+="${urls:+,}http://localhost:$((mgmt + i - 1))/"
  done
  export PAYMENTS_TEST_RABBITMQ_CLUSTER_NODES PAYMENTS_TEST_RABBITMQ_CLUSTER_NODE_NAMES PAYMENTS_TEST_RABBITMQ_CLUSTER_MANAGEMENT_URLS
  PAYMENTS_TEST_RABBITMQ_CLUSTER_NODES=$(cluster_nodes_setting "$name" 3 "$port")
  PAYMENTS_TEST_RABBITMQ_CLUSTER_NODE_NAMES=$names
  PAYMENTS_TEST_RABBITMQ_CLUSTER_MANAGEMENT_URLS=$urls
  log "test cluster ready in $((SECONDS - started)) s: $PAYMENTS_TEST_RABBITMQ_CLUSTER_NODES ($names)"
}

cmd_test() {
  # The suite's broker is the single node (the tests' defaults point at it); the cluster test has a cluster of its own.
  PAYMENTS_RABBITMQ_NODES=1
  services_up promtool docker-compose
  rabbit_test_admin
  rabbit_stale_test_vhosts_delete
  test_cluster_up
  local results="$STATE_DIR/test-results"
  rm -rf "$results"
  log "building"
  dotnet build "$ROOT/Payments.sln" -c Release -nologo -clp:ErrorsOnly
  log "running every test in the solution${*:+ ($*)}"
  local rc=0
  dotnet test "$ROOT/Payments.sln" -c Release --no-build --nologo \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@" || rc=$?
  local passed=0 failed=0 file p f
  for file in "$results"/*.trx; do
    [ -f "$file" ] || continue
    p=$(grep -o '<Counters [^>]*' "$file" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*' || echo 0)
    f=$(grep -o '<Counters [^>]*' "$file" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*' || echo 0)
    passed=$((passed + p)); failed=$((failed + f))
  done
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; log "the test run itself failed (exit $rc)"; fi
  # The short reliability run counts one test per scenario; it is left out when the options pick tests by a filter.
  if [[ " $* " != *" --filter "* ]]; then
    local summary="$STATE_DIR/chaos-short/summary"
    chaos_short "$summary" || true
    if [ -f "$summary" ] && read -r p _ f _ <"$summary"; then
      passed=$((passed + p)); failed=$((failed + f))
    else
      failed=$((failed + 1)); log "the short reliability run did not finish"
    fi
  fi
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# chaos_short SUMMARY: the reliability suite's short version on the single node with two consumer instances started
# afresh (a consumer killed, the API killed, the broker restarted; a few hundred payments each, about 2 minutes); its report and
# pictures go to .run/chaos-short/, its "N passed, N failed" to SUMMARY. The services are stopped again after it.
chaos_short() {
  local summary=$1
  rm -rf "$(dirname "$summary")"
  log "the short reliability run (a consumer instance killed, the API killed, the broker restarted; about 2 minutes): .run/chaos-short/"
  apps_down
  PAYMENTS_CONSUMERS=2
  chaos_time_scale
  local rc=0
  { apps_up && build_tool && run_chaos --scenarios short --load-for 15 --fault-at 5 --settle-for 90 \
      --report "$STATE_DIR/chaos-short/reliability.md" --pictures "$STATE_DIR/chaos-short" --summary "$summary" \
      --command "./run.sh test (the short reliability run)"; } || rc=$?
  apps_down
  return "$rc"
}

cmd_demo() {
  cmd_up
  build_tool
  log "running the demo (a few hundred payments, a portal outage of about 40 s partway through, then a webhook endpoint outage of about 15 s)"
  (cd "$BUILD_DIR/Payments.Load" && dotnet Payments.Load.dll demo --timeline "$STATE_DIR/demo-timeline.png" "$@")
}

# consumers_restart N [NAME=VALUE ...]: stops every consumer instance, then starts N of them, each with the settings given
# on top of its usual ones.
consumers_restart() {
  local count=$1 pidfile i ports
  shift
  for pidfile in "$STATE_DIR"/Payments.Consumer*.pid; do
    [ -f "$pidfile" ] && stop_app "$(basename "$pidfile" .pid)"
  done
  PAYMENTS_CONSUMERS=$count
  mapfile -t ports < <(consumer_ports)
  for ((i = 1; i <= count; i++)); do
    (service_env Payments.Consumer "$i" && { [ "$#" -eq 0 ] || export "$@"; } \
      && start_app "$(consumer_name "$i")" "${ports[i - 1]}" Payments.Consumer)
  done
}

# ---------------------------------------------------------------- faults and the reliability suite
# The RabbitMQ nodes of the broker `up` runs: the single node, or every node of the cluster.
broker_nodes() {
  if [ "$PAYMENTS_RABBITMQ_NODES" -gt 1 ]; then
    local i
    for ((i = 1; i <= PAYMENTS_RABBITMQ_NODES; i++)); do cluster_node "$PAYMENTS_RABBITMQ_CLUSTER_NAME" "$i"; done
  else
    echo "rabbit@$RABBIT_HOST"
  fi
}

# kill_app NAME: kill -9, as a crash would; the pid file stays, naming a process that is gone.
kill_app() {
  app_running "$1" || die "$1 is not running"
  kill -9 "$(cat "$STATE_DIR/$1.pid")"
  log "killed $1 (kill -9)"
}

# broker_app stop_app|start_app: on every node at once (a node of a cluster waits at start for the others it last saw).
broker_app() {
  local node pids=() pid rc=0
  for node in $(broker_nodes); do
    as_root rabbitmqctl -q -n "$node" "$1" >/dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
  [ "$rc" -eq 0 ] || die "rabbitmqctl $1 failed on a node"
  log "RabbitMQ: $1 on $(broker_nodes | tr '\n' ' ')"
}

# The suite's faults (bench/Payments.Load/Chaos), one at a time, on the stack `up` started with the same
# PAYMENTS_RABBITMQ_NODES. A start waits until what it started is ready.
cmd_fault() {
  local action=${1:-} n=${2:-1} name node
  [[ "$n" =~ ^[1-9][0-9]?$ ]] || die "the instance or node number must be 1 to 99, not '$n'"
  case "$action" in
    kill-consumer) kill_app "$(consumer_name "$n")" ;;
    start-consumer)
      name=$(consumer_name "$n")
      [ -f "$STATE_DIR/$name.port" ] || die "consumer instance $n has not run here: no port on record"
      (service_env Payments.Consumer "$n" && start_app "$name" "$(cat "$STATE_DIR/$name.port")" Payments.Consumer)
      ;;
    kill-api) kill_app Payments.Api ;;
    start-api) (service_env Payments.Api && start_app Payments.Api 5080) ;;
    broker-stop) broker_app stop_app ;;
    broker-start)
      broker_app start_app
      for node in $(broker_nodes); do wait_for 120 "RabbitMQ node $node" as_root rabbitmq-diagnostics -q -n "$node" check_running; done
      ;;
    node-stop|node-start)
      [ "$PAYMENTS_RABBITMQ_NODES" -gt 1 ] || die "$action needs the cluster (PAYMENTS_RABBITMQ_NODES > 1)"
      [ "$n" -le "$PAYMENTS_RABBITMQ_NODES" ] || die "the cluster has $PAYMENTS_RABBITMQ_NODES nodes, not $n"
      node=$(cluster_node "$PAYMENTS_RABBITMQ_CLUSTER_NAME" "$n")
      if [ "$action" = node-stop ]; then
        as_root rabbitmqctl -q -n "$node" stop >/dev/null
        log "RabbitMQ node $node stopped"
      else
        cluster_node_start "$PAYMENTS_RABBITMQ_CLUSTER_NAME" "$PAYMENTS_RABBITMQ_CLUSTER_PORT" "$PAYMENTS_RABBITMQ_CLUSTER_MANAGEMENT_PORT" "$n"
        wait_for 180 "RabbitMQ node $node" as_root rabbitmq-diagnostics -q -n "$node" check_running
      fi
      ;;
    # shellcheck disable=SC2046
    postgres-restart) as_root pg_ctlcluster $(pg_cluster) restart -m fast; log "PostgreSQL restarted" ;;
    # Every server process stopped (SIGSTOP): connections are accepted by the kernel and never answered, as on a lost network.
    postgres-freeze) as_root pkill -STOP -u postgres -x postgres; log "PostgreSQL frozen" ;;
    postgres-thaw) as_root pkill -CONT -u postgres -x postgres; log "PostgreSQL thawed" ;;
    *) die "unknown fault '$action' (expected: kill-consumer N, start-consumer N, kill-api, start-api, broker-stop, broker-start, node-stop N, node-start N, postgres-restart, postgres-freeze, postgres-thaw)" ;;
  esac
}

# management_urls: the management API of every node of the broker `up` runs, comma-separated.
management_urls() {
  if [ "$PAYMENTS_RABBITMQ_NODES" -gt 1 ]; then
    local i urls=""
    for ((i = 0; i < PAYMENTS_RABBITMQ_NODES; i++)); do urls+="${urls:+,}http://localhost:$((PAYMENTS_RABBITMQ_CLUSTER_MANAGEMENT_PORT + i))"; done
    echo "$urls"
  else
    echo http://localhost:15672
  fi
}

# The reconciler on the suite's time scale: a verification whose command was lost while the broker went down (the saga's
# row committed, the send not) is found 30 s after it was due instead of 5 minutes, so a scenario settles within its wait;
# a deployment keeps the consumer's defaults (Verification:StaleAfter 5 min, ReconcileInterval 30 s). The instances the
# suite restarts inherit the same settings from its environment.
chaos_time_scale() {
  export Verification__StaleAfter="${PAYMENTS_CHAOS_STALE_AFTER:-00:00:30}" Verification__ReconcileInterval="${PAYMENTS_CHAOS_RECONCILE_INTERVAL:-00:00:05}"
}

# run_chaos ARGS...: the suite's tool against the running stack; the faults come back through this script.
run_chaos() {
  (cd "$BUILD_DIR/Payments.Load" && PAYMENTS_RABBITMQ_NODES=$PAYMENTS_RABBITMQ_NODES dotnet Payments.Load.dll chaos \
    --control "$ROOT/run.sh" --consumers "$PAYMENTS_CONSUMERS" --rabbitmq-nodes "$PAYMENTS_RABBITMQ_NODES" \
    --management "$(management_urls)" "$@")
}

# The whole suite on a stack of its own making: whatever this checkout runs is stopped first (a single node cannot share
# the cluster's ports), then the cluster and the services start afresh; they stay up after the run.
cmd_chaos() {
  export PAYMENTS_RABBITMQ_NODES PAYMENTS_CONSUMERS
  chaos_time_scale
  cmd_down
  cmd_up
  build_tool
  log "running the reliability suite (about 8 minutes): a progress line every 5 s per scenario"
  run_chaos --report "$ROOT/docs/reliability.md" --pictures "$ROOT/docs/reliability" "$@"
}

# The load benchmark and an outage with the instances `up` started; then (PAYMENTS_BENCH_FLEET=1, the default) the same outage
# with three instances sharing the breaker and pausing, and with three on their own (fleet breaker and pause off) as the
# baseline; the consumers are then restarted as they were.
cmd_bench() {
  cmd_up
  build_tool
  local started=$PAYMENTS_CONSUMERS bench=(dotnet Payments.Load.dll bench --run-dir "$STATE_DIR")
  log "running the load benchmark and an outage with $started consumer instance(s) (about 5 minutes)"
  (cd "$BUILD_DIR/Payments.Load" && "${bench[@]}" --outage-label "fleet breaker and pause on" "$@")
  [ "${PAYMENTS_BENCH_FLEET:-1}" = 1 ] || return 0
  log "outage with three consumer instances sharing the breaker (about 3 minutes)"
  consumers_restart 3
  (cd "$BUILD_DIR/Payments.Load" && "${bench[@]}" --scenario outage --outage-label "fleet breaker and pause on" "$@")
  log "outage with three consumer instances each on its own, fleet breaker and pause off (about 3 minutes)"
  consumers_restart 3 CircuitBreakerFleet__Enabled=false CircuitBreakerFleet__PauseWhileOpen=false
  (cd "$BUILD_DIR/Payments.Load" && "${bench[@]}" --scenario outage --outage-label "each on its own: fleet breaker and pause off" "$@")
  consumers_restart "$started"
}

# The RabbitMQ nodes `up` runs: 1, the single node of Debian's package, or a cluster of that many nodes of its own; the
# reliability suite's node-loss scenario needs a cluster, so `chaos` makes one of three unless told otherwise.
[ "${1:-}" != chaos ] || : "${PAYMENTS_RABBITMQ_NODES:=3}"
: "${PAYMENTS_RABBITMQ_NODES:=1}"
[[ "$PAYMENTS_RABBITMQ_NODES" =~ ^[1-9]$ ]] || die "PAYMENTS_RABBITMQ_NODES must be 1 (the single node) or the size of a cluster up to 9, not '$PAYMENTS_RABBITMQ_NODES'"
: "${PAYMENTS_RABBITMQ_CLUSTER_NAME:=payments}"
: "${PAYMENTS_RABBITMQ_CLUSTER_PORT:=5672}"
: "${PAYMENTS_RABBITMQ_CLUSTER_MANAGEMENT_PORT:=15672}"
: "${PAYMENTS_TEST_RABBITMQ_CLUSTER_NAME:=payments-test}"
: "${PAYMENTS_TEST_RABBITMQ_CLUSTER_PORT:=5772}"
: "${PAYMENTS_TEST_RABBITMQ_CLUSTER_MANAGEMENT_PORT:=15772}"

# Consumer instances that `up` starts: 1, or 2 for the demo, unless PAYMENTS_CONSUMERS says otherwise.
consumers_default() {
  : "${PAYMENTS_CONSUMERS:=$1}"
  [[ "$PAYMENTS_CONSUMERS" =~ ^[1-9][0-9]?$ ]] || die "PAYMENTS_CONSUMERS must be a number of consumer instances from 1 to 99, not '$PAYMENTS_CONSUMERS'"
}

case "${1:-demo}" in
  demo) consumers_default 2; [ "$#" -gt 0 ] && shift; cmd_demo "$@" ;;
  bench) consumers_default 1; shift; cmd_bench "$@" ;;
  up) consumers_default 1; cmd_up ;;
  down) cmd_down ;;
  test) shift; cmd_test "$@" ;;
  chaos) consumers_default 2; shift; cmd_chaos "$@" ;;
  fault) shift; cmd_fault "$@" ;;
  *) die "unknown command '$1' (expected: up, down, test, bench, chaos, fault, or nothing for the demo)" ;;
esac
