#!/usr/bin/env bash
# Provide the Pulumi engine in .pulumi-root/bin (git-ignored) without downloading a release:
#   pulumi                          the CLI, built from the Go module github.com/pulumi/pulumi/pkg/v3
#   pulumi-language-nodejs          our language host, tools/pulumi-engine/cmd/pulumi-language-nodejs
#   pulumi-resource-pulumi-nodejs   the dynamic-provider shim shipped in node_modules/@pulumi/pulumi
# The version is the pkg/v3 version pinned in tools/pulumi-engine/go.mod. Nothing is rebuilt when the binaries
# already report that version. A `pulumi` on PATH with at least that version (and its own language host) is used
# instead of building. See tools/README.md.
#
# Usage: scripts/engine.sh [--force]     (npm run engine [-- --force])
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE_DIR="$ROOT_DIR/tools/pulumi-engine"
# Overrides (tests): BASPHERE_ENGINE_BIN (output folder), BASPHERE_GO_FALLBACK (Go used when none is on PATH).
BIN="${BASPHERE_ENGINE_BIN:-$ROOT_DIR/.pulumi-root/bin}"
GO_FALLBACK="${BASPHERE_GO_FALLBACK:-/usr/local/go/bin/go}"
SHIM_SRC="$ROOT_DIR/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

log() { printf 'engine: %s\n' "$*" >&2; }
die() { printf 'engine: ERROR: %s\n' "$*" >&2; exit 1; }

# The pinned engine version comes from the wrapper module (single source of truth).
VERSION=$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2; exit }' "$MODULE_DIR/go.mod")
[[ "$VERSION" =~ ^v3\.[0-9]+\.[0-9]+$ ]] || die "could not read the pulumi pkg/v3 version from $MODULE_DIR/go.mod"

[[ -f "$SHIM_SRC" ]] || die "$SHIM_SRC is missing: run \`npm ci\` first"

# version_of <binary> [args]: first line of its version output, empty when it cannot run.
version_of() { "$@" 2>/dev/null | head -n1 | tr -d '[:space:]' || true; }

# semver_ge A B: true when A >= B (both vX.Y.Z, pre-release suffixes ignored).
semver_ge() {
  local a b
  a=$(printf '%s' "${1#v}" | cut -d- -f1) b=$(printf '%s' "${2#v}" | cut -d- -f1)
  [[ "$(printf '%s\n%s\n' "$b" "$a" | sort -V | head -n1)" == "$b" ]]
}

install_shim() {
  if ! cmp -s "$SHIM_SRC" "$BIN/pulumi-resource-pulumi-nodejs" 2>/dev/null; then
    install -m 0755 "$SHIM_SRC" "$BIN/pulumi-resource-pulumi-nodejs"
  fi
}

up_to_date() {
  [[ -x "$BIN/pulumi" && -x "$BIN/pulumi-language-nodejs" ]] || return 1
  local cli host
  cli=$(version_of "$BIN/pulumi" version)
  host=$(version_of "$BIN/pulumi-language-nodejs" -version)
  if [[ -L "$BIN/pulumi" ]]; then
    # Linked from a CLI on PATH: any version >= the pin is fine.
    semver_ge "$cli" "$VERSION"
  else
    [[ "$cli" == "$VERSION" && "$host" == "$VERSION" ]] || return 1
    # Our language host carries the pulumi version too: a change of its source (or of go.mod/go.sum) since the
    # last build is only visible in the file times.
    [[ -z "$(sources_newer_than "$BIN/pulumi-language-nodejs")" ]]
  fi
}

# sources_newer_than <file>: the first Go source, go.mod or go.sum of the wrapper module newer than <file>, if any.
sources_newer_than() {
  find "$MODULE_DIR" -type f \( \( -name '*.go' ! -name '*_test.go' \) -o -name go.mod -o -name go.sum \) \
    -newer "$1" -print -quit
}

mkdir -p "$BIN"

if [[ $FORCE -eq 0 ]] && up_to_date; then
  install_shim
  log "up to date: $BIN (pulumi $(version_of "$BIN/pulumi" version))"
  exit 0
fi

# 1. A suitable pulumi on PATH (outside our own bin): link it and its language host.
if [[ $FORCE -eq 0 ]] && PATH_CLI=$(command -v pulumi 2>/dev/null) && [[ "$(dirname "$(readlink -f "$PATH_CLI")")" != "$BIN" ]]; then
  PATH_VERSION=$(version_of "$PATH_CLI" version)
  PATH_DIR=$(dirname "$(readlink -f "$PATH_CLI")")
  if [[ -n "$PATH_VERSION" ]] && semver_ge "$PATH_VERSION" "$VERSION" && [[ -x "$PATH_DIR/pulumi-language-nodejs" ]]; then
    ln -sfn "$(readlink -f "$PATH_CLI")" "$BIN/pulumi"
    ln -sfn "$PATH_DIR/pulumi-language-nodejs" "$BIN/pulumi-language-nodejs"
    install_shim
    log "using pulumi $PATH_VERSION from $PATH_DIR (>= $VERSION), linked into $BIN"
    exit 0
  fi
  if [[ -n "$PATH_VERSION" ]] && semver_ge "$PATH_VERSION" "$VERSION"; then
    log "pulumi $PATH_VERSION on PATH ($PATH_CLI) has no pulumi-language-nodejs beside it; not using it"
  else
    log "pulumi on PATH ($PATH_CLI, version '${PATH_VERSION:-unknown}') is older than $VERSION; not using it"
  fi
fi

# Links to a CLI on PATH that is no longer suitable (removed, or replaced by an older version) are dropped, so that
# nothing older than the pin stays in $BIN.
for f in pulumi pulumi-language-nodejs; do [[ -L "$BIN/$f" ]] && rm -f "$BIN/$f"; done

# 2. Build from the Go module proxy with Go.
GO=$(command -v go 2>/dev/null || true)
[[ -z "$GO" && -x "$GO_FALLBACK" ]] && GO="$GO_FALLBACK"
if [[ -z "$GO" ]]; then
  cat >&2 <<EOF
engine: ERROR: no Pulumi engine is available and it cannot be built.
  Needed: either
    - Go >= 1.26 (https://go.dev/dl/, e.g. unpacked to /usr/local/go) with access to the Go module proxy,
      then run \`npm run engine\` again (it builds pulumi $VERSION into .pulumi-root/bin), or
    - the Pulumi CLI $VERSION or newer on PATH, including its pulumi-language-nodejs
      (https://www.pulumi.com/docs/install/), then run \`npm run engine\` again.
EOF
  exit 1
fi

GO_VERSION=$("$GO" env GOVERSION)
semver_ge "v${GO_VERSION#go}" "v1.26.0" || die "Go $GO_VERSION is too old: the wrapper module needs Go >= 1.26"

LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION"
log "building pulumi $VERSION and pulumi-language-nodejs with $GO_VERSION (module cache $("$GO" env GOMODCACHE), build cache $("$GO" env GOCACHE))"
START=$(date +%s)
(
  cd "$MODULE_DIR"
  # GOTOOLCHAIN=local: never download another Go; -mod=readonly: go.mod/go.sum are committed and must be complete.
  GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" \
    "$GO" build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDFLAGS" -o "$BIN/" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    ./cmd/pulumi-language-nodejs
)
# go build may leave an identical binary untouched; its time must still be after the sources' (up_to_date).
touch "$BIN/pulumi" "$BIN/pulumi-language-nodejs"
install_shim
log "built in $(( $(date +%s) - START ))s"

up_to_date || die "the built binaries do not report $VERSION: $(version_of "$BIN/pulumi" version) / $(version_of "$BIN/pulumi-language-nodejs" -version)"
log "ready: $BIN (pulumi $VERSION)"
