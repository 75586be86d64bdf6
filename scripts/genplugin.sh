#!/usr/bin/env bash
# Regenerates restype/plugin/pluginv1/*.pb.go (messages and gRPC stubs of
# the resource-type plugin protocol) from plugin.proto, with protoc from
# Debian's protobuf-compiler and the Go plugins pinned in go.mod (tool
# directives): no remote plugins, no network.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler" >&2; exit 1; }
protoc -I . \
  --plugin=protoc-gen-go="$(go tool -n protoc-gen-go)" \
  --plugin=protoc-gen-go-grpc="$(go tool -n protoc-gen-go-grpc)" \
  --go_out=. --go_opt=paths=source_relative \
  --go-grpc_out=. --go-grpc_opt=paths=source_relative \
  restype/plugin/pluginv1/plugin.proto
