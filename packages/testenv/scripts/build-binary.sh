#!/usr/bin/env bash
# Builds one test-server binary from Go modules into DEST (a cache directory outside the repo).
# Usage: build-binary.sh NAME VERSION DEST
#   NAME: kube-apiserver | kube-controller-manager | kubectl | etcd | minio | helm | promtool | pushgateway | toxiproxy | actionlint
# Every server is built with CGO_ENABLED=0 from the Go module proxy; nothing else is downloaded.
set -euo pipefail
name=$1 version=$2 dest=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/kubedump-build-$name-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest"
cd "$work"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local

case "$name" in
  kube-apiserver|kube-controller-manager|kubectl)
    # k8s.io/kubernetes replaces its staging modules with ./staging/...; a wrapper module replaces
    # each of them with its published v0.Y.Z release instead.
    kv=${version#v}; minor=$(echo "$kv" | cut -d. -f2); sv="0.${kv#1.}"
    go mod init local/k8s-bins >/dev/null 2>&1
    mod=$(go mod download -json "k8s.io/kubernetes@v$kv" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
    for m in $(awk '$1 ~ /^k8s\.io\// && $2=="v0.0.0"{print $1}' "$mod"); do
      go mod edit "-replace=$m=$m@v$sv"
    done
    go get "k8s.io/kubernetes/cmd/$name@v$kv"
    v=k8s.io/component-base/version
    go build -trimpath -ldflags "-s -w -X $v.gitVersion=v$kv -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean" \
      -o "$dest/$name.tmp.$$" "k8s.io/kubernetes/cmd/$name"
    ;;
  etcd)
    go mod init local/etcd-bin >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@$version"
    go build -trimpath -ldflags "-s -w" -o "$dest/$name.tmp.$$" go.etcd.io/etcd/server/v3
    ;;
  minio)
    GOBIN="$work/bin" go install -trimpath -ldflags "-s -w" "github.com/minio/minio@$version"
    mv "$work/bin/minio" "$dest/$name.tmp.$$"
    ;;
  helm)
    major=$(echo "$version" | cut -d. -f1)
    GOBIN="$work/bin" go install -trimpath -ldflags "-s -w -X helm.sh/helm/$major/internal/version.version=$version" \
      "helm.sh/helm/$major/cmd/helm@$version"
    mv "$work/bin/helm" "$dest/$name.tmp.$$"
    ;;
  go-pusher)
    # A pusher on the official Go client (github.com/prometheus/client_golang/prometheus/push),
    # built from this repository's go/pusher, whose go.mod and go.sum pin every module.
    go build -C "$(dirname "${BASH_SOURCE[0]}")/../go/pusher" -trimpath -ldflags "-s -w" -o "$dest/$name.tmp.$$" .
    ;;
  promtool)
    # Prometheus' rule checker, to test the alert rules; a wrapper module like etcd's.
    go mod init local/promtool-bin >/dev/null 2>&1
    go get "github.com/prometheus/prometheus/cmd/promtool@$version"
    go build -trimpath -ldflags "-s -w" -o "$dest/$name.tmp.$$" github.com/prometheus/prometheus/cmd/promtool
    ;;
  pushgateway)
    # Prometheus' Pushgateway, the reference the metrics gateway's differential tests compare
    # against; a wrapper module like etcd's (go install asks the proxy for the version list).
    go mod init local/pushgateway-bin >/dev/null 2>&1
    go get "github.com/prometheus/pushgateway@$version"
    v=github.com/prometheus/common/version
    go build -trimpath -ldflags "-s -w -X $v.Version=${version#v}" -o "$dest/$name.tmp.$$" github.com/prometheus/pushgateway
    ;;
  toxiproxy)
    # Shopify's TCP fault injector (the toxiproxy-server command), for the fault tests.
    GOBIN="$work/bin" go install -trimpath -ldflags "-s -w" "github.com/Shopify/toxiproxy/v2/cmd/server@$version"
    mv "$work/bin/server" "$dest/$name.tmp.$$"
    ;;
  actionlint)
    # The GitHub Actions workflow linter, for the test that lints .github/workflows.
    GOBIN="$work/bin" go install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@$version"
    mv "$work/bin/actionlint" "$dest/$name.tmp.$$"
    ;;
  *) echo "build-binary.sh: unknown binary '$name'" >&2; exit 2 ;;
esac
mv "$dest/$name.tmp.$$" "$dest/$name"
echo "built $name $version into $dest/$name"
