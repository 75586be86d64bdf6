#!/usr/bin/env bash
# Regenerates api/baton/v1/*.pb.go and the Connect stubs from the .proto
# files, with protoc from Debian's protobuf-compiler and the two Go plugins
# pinned in go.mod (tool directives): no remote plugins, no network.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler" >&2; exit 1; }
protoc -I api \
  --plugin=protoc-gen-go="$(go tool -n protoc-gen-go)" \
  --plugin=protoc-gen-connect-go="$(go tool -n protoc-gen-connect-go)" \
  --go_out=api --go_opt=paths=source_relative \
  --connect-go_out=api --connect-go_opt=paths=source_relative \
  api/baton/v1/*.proto
