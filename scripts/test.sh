#!/usr/bin/env bash
# The whole test suite: formatting, vet, generated code up to date, and
# every test (unit, in-process cluster, end-to-end on the real binary,
# fuzz seed corpora). The README's test command; .ci/run calls it too.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' | grep -v '\.pb\.go$') || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

if command -v protoc >/dev/null; then
  echo "== generated code matches api/*.proto"
  ./scripts/genproto.sh
  ./scripts/genplugin.sh
  git diff --exit-code -- api/ restype/plugin/pluginv1/ || { echo "generated code is stale: run scripts/genproto.sh and scripts/genplugin.sh, and commit"; exit 1; }
fi

echo "== go test"
go test -count=1 -timeout 15m "$@" ./...
