#!/usr/bin/env bash
# The whole test suite: formatting, vet, generated code up to date, and
# every test (unit, in-process cluster, end-to-end on the real binary, in a
# real headless browser, fuzz seed corpora). The README's test command;
# .ci/run calls it too, so there is one list of what the tests need.
#
# The tests run real tools: Chromium (the dashboard), QEMU (the Virtual
# Machine type), Debian's resource-agents (the OCF type), etcd (an existing
# etcd cluster), iproute2 (network namespaces), protoc (generated code).
# Run as root, this script installs whichever are missing (apt-get, once,
# quietly); run as another user, it stops at once and says what to run.
set -euo pipefail
cd "$(dirname "$0")/.."

# command-or-file → Debian package
needs=(
  "protoc:protobuf-compiler"
  "etcd:etcd-server"
  "ip:iproute2"
  "chromium:chromium"
  "qemu-system-x86_64:qemu-system-x86"
  "/usr/lib/ocf/resource.d/heartbeat/Dummy:resource-agents"
  "setpriv:util-linux"
  "useradd:passwd"
  "curl:curl"
)
missing=()
for n in "${needs[@]}"; do
  what=${n%%:*} pkg=${n#*:}
  if [[ $what == /* ]]; then [ -e "$what" ] && continue; else command -v "$what" >/dev/null && continue; fi
  missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "the tests need these Debian packages: ${missing[*]}" >&2
    echo "run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "== installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # QEMU without its recommends (a desktop's worth of packages); the rest
  # as Debian ships them (Chromium's fonts, resource-agents' helpers).
  plain=() lean=()
  for p in "${missing[@]}"; do
    if [ "$p" = qemu-system-x86 ]; then lean+=("$p"); else plain+=("$p"); fi
  done
  if [ ${#plain[@]} -gt 0 ]; then apt-get install -y -qq "${plain[@]}" >/dev/null; fi
  if [ ${#lean[@]} -gt 0 ]; then apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null; fi
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' | grep -v '\.pb\.go$') || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== generated code matches api/*.proto"
./scripts/genproto.sh
./scripts/genplugin.sh
git diff --exit-code -- api/ restype/plugin/pluginv1/ || { echo "generated code is stale: run scripts/genproto.sh and scripts/genplugin.sh, and commit"; exit 1; }

echo "== staticcheck and go test (the core packages with -race), side by side"
# Three runs go side by side, their outputs kept apart: the suite mostly
# waits on real time (it used 7 CPU-minutes of the 21 two cores gave it
# in 10½ minutes), and staticcheck (about 2 CPU-minutes) and the race
# run end well before the plain run's longest package, tests/cluster.
# staticcheck starts only now, once the generated code is written.
#
# staticcheck is pinned in go.mod (tool); its findings are fixed at their
# cause, or silenced one by one with //lint:ignore and a reason.
#
# Every package is tested once: the core packages — the database, the
# operations, the host, the controller, the API, liveness, the guard and
# the agent's wiring — under the race detector, the others without. The
# longest packages first in each run: go test starts packages in the
# order given (two at a time on two CPUs), and a run ends when its
# longest does.
core=(./internal/ops ./internal/server ./internal/agent ./internal/store ./internal/host ./internal/controller ./internal/liveness ./internal/guard)
others=$(go list ./... | grep -vxF "$(go list "${core[@]}")")
sclog=$(mktemp)
racelog=$(mktemp)
trap 'rm -f "$sclog" "$racelog"' EXIT
go tool staticcheck ./... >"$sclog" 2>&1 &
sc=$!
go test -race -count=1 -timeout 15m "$@" "${core[@]}" >"$racelog" 2>&1 &
race=$!
status=0
go test -count=1 -timeout 15m "$@" ./tests/cluster ./tests/chaos ./tests/e2e $others || status=1
wait "$race" || status=1
echo "== go test -race: ${core[*]}"
cat "$racelog"
wait "$sc" || status=1
echo "== staticcheck"
cat "$sclog"
exit $status
