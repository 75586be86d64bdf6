#!/usr/bin/env bash
# Builds the Debian package baton_VERSION_ARCH.deb into OUTDIR (default
# dist/) and prints its path on the last line:
#
#   scripts/package.sh [OUTDIR]
#   VERSION=1.2.0 scripts/package.sh       # else from `git describe`, or 0.0.0+gitDATE.COMMIT
#   GOFLAGS=-trimpath scripts/package.sh   # a release build (recompiles everything once)
#
# The package holds the binary (its version and commit set at link time),
# the systemd unit (packaging/baton.service), the default configuration
# (packaging/agent.yaml, a conffile), a man page per command and the shell
# completions (packaging/gendocs, from the cobra commands), and the
# operator's docs. It is put together with dpkg-deb, which every Debian
# system has: the layout is a directory tree and a ten-line control file,
# which needs no packaging tool or Go dependency (nfpm would bring dozens).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v dpkg-deb >/dev/null || { echo "package.sh: needs dpkg-deb (Debian's dpkg)" >&2; exit 1; }
out=${1:-dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit+=-dirty
fi
if [ -z "${VERSION:-}" ]; then
  if tag=$(git describe --tags --match 'v[0-9]*' 2>/dev/null); then
    # v1.2.0 → 1.2.0; v1.2.0-3-gabcdef → 1.2.0+3.gabcdef (sorts after 1.2.0)
    VERSION=$(echo "${tag#v}" | sed -E 's/-([0-9]+)-(g[0-9a-f]+)$/+\1.\2/')
  else
    VERSION=0.0.0+git$(git log -1 --format=%cd --date=format:%Y%m%d 2>/dev/null || date +%Y%m%d).${commit%-dirty}
  fi
fi
if ! [[ $VERSION =~ ^[0-9][A-Za-z0-9.+~]*$ ]]; then
  echo "package.sh: VERSION $VERSION is not a Debian upstream version (a digit, then letters, digits, . + ~)" >&2
  exit 1
fi
arch=$(go env GOARCH)
# Reproducible: the man pages' date and the files' times are the commit's.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -p "$root"/DEBIAN "$root"/usr/bin "$root"/usr/lib/systemd/system "$root"/etc/baton "$root"/usr/share/doc/baton/operations

echo "== building baton $VERSION (commit $commit)" >&2
pkg=github.com/batoncluster/baton/internal/version
# cgo stays on (the toolchain's default): user and group names resolve
# through NSS (LDAP, SSSD) for the Unix socket's access control.
go build -ldflags "-s -w -X $pkg.Version=$VERSION -X $pkg.Commit=$commit" -o "$root/usr/bin/baton" ./cmd/baton
go run ./packaging/gendocs -out "$root/usr/share" -version "$VERSION"
gzip -9n "$root"/usr/share/man/man1/*.1

install -m 0644 packaging/baton.service "$root/usr/lib/systemd/system/baton.service"
install -m 0600 packaging/agent.yaml "$root/etc/baton/agent.yaml"
install -m 0644 README.md docs/install.md docs/configure.md docs/security.md docs/fencing.md "$root/usr/share/doc/baton/"
install -m 0644 docs/operations/*.md "$root/usr/share/doc/baton/operations/"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
echo /etc/baton/agent.yaml > "$root/DEBIAN/conffiles"

# libc6 at the newest symbol version the binary links against.
depends=
if command -v objdump >/dev/null && objdump -p "$root/usr/bin/baton" | grep -q NEEDED; then
  glibc=$(objdump -T "$root/usr/bin/baton" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
  depends="Depends: libc6${glibc:+ (>= $glibc)}"
elif ! command -v objdump >/dev/null; then
  depends="Depends: libc6"
fi
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
{
  echo "Package: baton"
  echo "Version: $VERSION"
  echo "Architecture: $arch"
  echo "Maintainer: ${MAINTAINER:-baton maintainers <maintainers@batoncluster.invalid>}"
  echo "Installed-Size: $size"
  [ -n "$depends" ] && echo "$depends"
  echo "Suggests: resource-agents, qemu-system-x86"
  echo "Section: admin"
  echo "Priority: optional"
  echo "Homepage: https://github.com/batoncluster/baton"
  echo "Description: failover clustering with the semantics of the Windows cluster API"
  echo " baton keeps groups of resources (processes, virtual machines, IP"
  echo " addresses, OCF resource agents) online on one node of a cluster at a"
  echo " time, failing them over when a node or a resource fails. Its client"
  echo " API follows the Windows Server Failover Clustering client API"
  echo " (clusapi): the same calls, flags, states and error codes."
  echo " ."
  echo " This package holds the agent (baton.service, configured in"
  echo " /etc/baton/agent.yaml) and the command-line client."
} > "$root/DEBIAN/control"

find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
deb=$out/baton_${VERSION}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "$deb"
