#!/usr/bin/env bash
# Build the datacenter-in-a-box's binaries from the Go module proxy (never downloaded as releases, never committed):
#   .box/bin/etcd, kube-apiserver, kube-controller-manager   tools/box/kube            (k8s.io/kubernetes v1.37.2)
#   .box/bin/vcsim                                           tools/box/vcsim           (govmomi v0.46.3)
#   .box/bin/omnictl                                         tools/box/omnictl         (omni/client v1.0.0)
#   .pulumi-root/bin/pulumi-resource-kubernetes              tools/box/kubernetes-provider (4.25.0)
#   .box/crds/addons.cluster.x-k8s.io_*.yaml                 tools/box/crds            (cluster-api v1.14.0's files)
# Each group is rebuilt only when its module (go.mod, go.sum, our .go files) or this script changed since the
# last build: a stamp beside the binaries records the hash of those inputs. The slow part is the first build;
# Go's module and build caches (the default `go env GOMODCACHE GOCACHE`) make every later one fast.
#
# Usage: scripts/box-tools.sh [--force] [group ...]   groups: kube vcsim omnictl kubernetes-provider crds (default: all)
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT_DIR/tools/box"
BOX_BIN="${BASPHERE_BOX_BIN:-$ROOT_DIR/.box/bin}"
PLUGIN_BIN="${BASPHERE_ENGINE_BIN:-$ROOT_DIR/.pulumi-root/bin}"
GO_FALLBACK="${BASPHERE_GO_FALLBACK:-/usr/local/go/bin/go}"
FORCE=0
GROUPS_WANTED=()
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    kube | vcsim | omnictl | kubernetes-provider | crds) GROUPS_WANTED+=("$a") ;;
    *) printf 'box-tools: unknown argument %s\n' "$a" >&2; exit 2 ;;
  esac
done
[[ ${#GROUPS_WANTED[@]} -gt 0 ]] || GROUPS_WANTED=(crds vcsim kube kubernetes-provider omnictl)

log() { printf 'box-tools: %s\n' "$*" >&2; }
die() { printf 'box-tools: ERROR: %s\n' "$*" >&2; exit 1; }

GO=$(command -v go 2>/dev/null || true)
[[ -z "$GO" && -x "$GO_FALLBACK" ]] && GO="$GO_FALLBACK"
[[ -n "$GO" ]] || die "Go >= 1.26 is needed to build the box's tools (https://go.dev/dl/, e.g. /usr/local/go)"

# inputs_hash <module dir>: hash of what a build of that module depends on (our sources, go.mod, go.sum, this script).
inputs_hash() {
  (
    cd "$1"
    find . -type f \( -name '*.go' ! -name '*_test.go' -o -name go.mod -o -name go.sum \) -print0 | sort -z |
      xargs -0 sha256sum
    sha256sum "$ROOT_DIR/scripts/box-tools.sh" | cut -d' ' -f1
    "$GO" env GOVERSION
  ) | sha256sum | cut -d' ' -f1
}

# fresh <stamp> <hash> <binary...>: true when every binary exists and the stamp holds the hash.
fresh() {
  local stamp=$1 hash=$2
  shift 2
  [[ $FORCE -eq 0 && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]] || return 1
  for b in "$@"; do [[ -x "$b" ]] || return 1; done
}

# module_version <module dir> <module path>: the version go.mod requires (from `go list -m`, so the form of the
# require line does not matter).
module_version() {
  (cd "$1" && GOTOOLCHAIN=local GOFLAGS=-mod=mod "$GO" list -m -f '{{.Version}}' "$2")
}

gobuild() { # gobuild <module dir> <out dir> <ldflags> <packages...>
  local dir=$1 out=$2 ldflags=$3
  shift 3
  (cd "$dir" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" \
    "$GO" build -trimpath -ldflags "-s -w $ldflags" -o "$out/" "$@")
}

build_group() {
  local group=$1 dir="$TOOLS/$1" hash stamp start
  hash=$(inputs_hash "$dir")
  case "$group" in
    crds)
      stamp="$ROOT_DIR/.box/crds/.stamp"
      if fresh "$stamp" "$hash"; then log "crds: up to date"; return; fi
      local cv cdir
      cv=$(module_version "$dir" sigs.k8s.io/cluster-api)
      cdir=$(cd "$dir" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly "$GO" mod download -json sigs.k8s.io/cluster-api |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')
      [[ -d "$cdir" ]] || die "could not download sigs.k8s.io/cluster-api@$cv"
      start=$(date +%s)
      mkdir -p "$ROOT_DIR/.box/crds"
      install -m 0644 "$cdir"/core/config/crd/bases/addons.cluster.x-k8s.io_*.yaml "$ROOT_DIR/.box/crds/"
      log "crds: ClusterResourceSet CRDs of cluster-api $cv in .box/crds"
      ;;
    kube)
      stamp="$BOX_BIN/.kube.stamp"
      if fresh "$stamp" "$hash" "$BOX_BIN/etcd" "$BOX_BIN/kube-apiserver" "$BOX_BIN/kube-controller-manager"; then
        log "kube: up to date"; return
      fi
      local kv
      kv=$(module_version "$dir" k8s.io/kubernetes)
      [[ "$kv" =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "could not read the k8s.io/kubernetes version from $dir/go.mod"
      log "kube: building etcd, kube-apiserver, kube-controller-manager $kv (cold: about 15 min on 2 cores)"
      start=$(date +%s)
      gobuild "$dir" "$BOX_BIN" "-X k8s.io/component-base/version.gitVersion=$kv \
        -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${BASH_REMATCH[1]} \
        -X k8s.io/component-base/version.gitTreeState=clean" \
        ./cmd/etcd k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
      ;;
    vcsim)
      stamp="$BOX_BIN/.vcsim.stamp"
      if fresh "$stamp" "$hash" "$BOX_BIN/vcsim"; then log "vcsim: up to date"; return; fi
      log "vcsim: building (cold: about 2 min)"
      start=$(date +%s)
      gobuild "$dir" "$BOX_BIN" "" github.com/vmware/govmomi/vcsim
      ;;
    omnictl)
      stamp="$BOX_BIN/.omnictl.stamp"
      if fresh "$stamp" "$hash" "$BOX_BIN/omnictl"; then log "omnictl: up to date"; return; fi
      log "omnictl: building (cold: a few minutes)"
      start=$(date +%s)
      gobuild "$dir" "$BOX_BIN" "" ./cmd/omnictl
      ;;
    kubernetes-provider)
      stamp="$PLUGIN_BIN/.kubernetes-provider.stamp"
      if fresh "$stamp" "$hash" "$PLUGIN_BIN/pulumi-resource-kubernetes"; then
        log "kubernetes-provider: up to date"; return
      fi
      # The plugin version the npm SDK asks for is the version of @pulumi/kubernetes in package.json: one pin.
      local pv mod src
      pv=$(node -p "require('$ROOT_DIR/package.json').dependencies['@pulumi/kubernetes']")
      [[ "$pv" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "@pulumi/kubernetes in package.json must be an exact version"
      mod=$(module_version "$dir" github.com/pulumi/pulumi-kubernetes/provider/v4)
      src=$(cd "$dir" && GOTOOLCHAIN=local GOFLAGS=-mod=mod "$GO" mod download -json \
        "github.com/pulumi/pulumi-kubernetes/provider/v4@$mod" | node -e \
        'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')
      [[ -d "$src" ]] || die "could not download github.com/pulumi/pulumi-kubernetes/provider/v4@$mod"
      log "kubernetes-provider: building pulumi-resource-kubernetes $pv from $mod (cold: about 15 min on 2 cores)"
      start=$(date +%s)
      # The embedded schema and mapping are generated from the module's files (version set), never committed.
      node -e 'const fs=require("fs");const [src,out,v]=process.argv.slice(1);
        const s=JSON.parse(fs.readFileSync(src+"/schema.json","utf8")); s.version=v;
        fs.writeFileSync(out+"/schema-embed.json", JSON.stringify(s));
        fs.writeFileSync(out+"/terraform-mapping-embed.json",
          JSON.stringify(JSON.parse(fs.readFileSync(src+"/terraform-mapping.json","utf8"))));' \
        "$src/cmd/pulumi-resource-kubernetes" "$dir/cmd/pulumi-resource-kubernetes" "$pv"
      gobuild "$dir" "$PLUGIN_BIN" "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$pv" \
        ./cmd/pulumi-resource-kubernetes
      ;;
  esac
  printf '%s\n' "$hash" >"$stamp"
  log "$group: built in $(($(date +%s) - start)) s"
}

mkdir -p "$BOX_BIN" "$PLUGIN_BIN"
for g in "${GROUPS_WANTED[@]}"; do build_group "$g"; done
