#!/bin/sh
# Creates (or updates) one broker user per service and gives it exactly the permissions of deploy/rabbitmq/permissions.tsv
# in the Payments virtual host, through the management API. POSIX sh and curl only: run.sh runs it against the local broker,
# docker-compose's rabbitmq-setup service against the rabbitmq container (retrying while its management API starts).
# Idempotent: a second run resets the passwords to the given ones, clears any tag (no service user is an administrator)
# and sets the permissions again.
#
# Environment:
#   RABBITMQ_MANAGEMENT_URL              e.g. http://localhost:15672
#   RABBITMQ_MANAGEMENT_USER / _PASSWORD an administrator of the broker
#   PAYMENTS_RABBITMQ_VHOST              the virtual host (created if missing)
#   PAYMENTS_RABBITMQ_<SERVICE>_USER / _PASSWORD for every service in permissions.tsv (API, CONSUMER)
#   PAYMENTS_RABBITMQ_PERMISSIONS        the permissions file (default: permissions.tsv next to this script)
set -eu

fail() { echo "setup-users: $*" >&2; exit 1; }

: "${RABBITMQ_MANAGEMENT_URL:?}" "${RABBITMQ_MANAGEMENT_USER:?}" "${RABBITMQ_MANAGEMENT_PASSWORD:?}" "${PAYMENTS_RABBITMQ_VHOST:?}"
permissions="${PAYMENTS_RABBITMQ_PERMISSIONS:-$(dirname "$0")/permissions.tsv}"
[ -r "$permissions" ] || fail "cannot read $permissions"

# A JSON string body: backslashes (in the patterns) and quotes (in passwords) escaped.
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }

# Names go into URL paths unencoded, so they are kept to characters that need no encoding.
plain_name() { printf '%s' "$1" | grep -Eq '^[A-Za-z0-9._-]+$' || fail "'$1' is not a plain name ([A-Za-z0-9._-])"; }

api() {
  method=$1 path=$2 body=$3
  # The password travels in a config file on stdin rather than on the command line, where ps would show it.
  status=$(printf 'user = %s\n' "$(json_string "$RABBITMQ_MANAGEMENT_USER:$RABBITMQ_MANAGEMENT_PASSWORD")" \
    | curl -sS --retry 30 --retry-connrefused --retry-delay 2 -o /dev/null -w '%{http_code}' -K - -X "$method" -H 'content-type: application/json' \
      --data "$body" "${RABBITMQ_MANAGEMENT_URL%/}/api/$path") || fail "$method /api/$path: no answer"
  case "$status" in
    2??) ;;
    *) fail "$method /api/$path answered $status" ;;
  esac
}

plain_name "$PAYMENTS_RABBITMQ_VHOST"
api PUT "vhosts/$PAYMENTS_RABBITMQ_VHOST" '{}'

tab=$(printf '\t')
found=0
while IFS="$tab" read -r service configure write read; do
  case "$service" in '' | '#'*) continue ;; esac
  [ -n "$read" ] || fail "$permissions: the line of '$service' needs four tab-separated fields"
  upper=$(printf '%s' "$service" | tr '[:lower:]-' '[:upper:]_')
  eval "user=\${PAYMENTS_RABBITMQ_${upper}_USER:-}"
  eval "password=\${PAYMENTS_RABBITMQ_${upper}_PASSWORD:-}"
  [ -n "$user" ] || fail "PAYMENTS_RABBITMQ_${upper}_USER is not set"
  [ -n "$password" ] || fail "PAYMENTS_RABBITMQ_${upper}_PASSWORD is not set"
  plain_name "$user"
  api PUT "users/$user" "{\"password\":$(json_string "$password"),\"tags\":\"\"}"
  api PUT "permissions/$PAYMENTS_RABBITMQ_VHOST/$user" \
    "{\"configure\":$(json_string "$configure"),\"write\":$(json_string "$write"),\"read\":$(json_string "$read")}"
  echo "setup-users: $service is '$user' in virtual host '$PAYMENTS_RABBITMQ_VHOST'"
  found=$((found + 1))
done <"$permissions"
[ "$found" -gt 0 ] || fail "$permissions lists no service"
