#!/usr/bin/env bash
# Builds the parts of a real Kubernetes cluster from Debian's `kubernetes` source package (upstream
# 1.20.2), offline (GOPATH mode, vendored sources, GOPROXY=off), with Debian's Go:
#   kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl + the pause image
# The result is cached OUTSIDE the work tree, keyed by the source version and a hash of everything that
# changes what is built (RECIPE below: bump it when the patches or build steps change; the components,
# the Go and reflect2 versions):
#   $WEFT_K8S_CACHE/<source version>-<hash>/{bin/*,images/pause.tar,BUILD-INFO}
# so only the first run on a machine pays for the build (~11 min on 2 cores); later runs take < 1 s.
#
# usage: k8s/cluster/build-k8s.sh            builds if needed, prints the cache directory on the last line
#        k8s/cluster/build-k8s.sh --print    prints the cache directory if it is complete, exit 1 otherwise
# env:   WEFT_K8S_CACHE (default /var/cache/weft-k8s), WEFT_K8S_SRC_VERSION (default below)
#
# Needs (bin/setup --k8s installs them): golang-go, golang-github-modern-go-reflect2-dev, gcc + libc6-dev
# (static pause), dpkg-dev (dpkg-source), apt access to deb.debian.org for the source package only.
# The host's apt configuration is not changed: the deb-src lists live in $WEFT_K8S_CACHE/apt.
set -euo pipefail

CACHE=${WEFT_K8S_CACHE:-/var/cache/weft-k8s}
SRC_VERSION=${WEFT_K8S_SRC_VERSION:-1.20.5+really1.20.2-1.1+deb12u1}
UPSTREAM=v1.20.2
UPSTREAM_COMMIT=faecb196815e248d3ecfb03c680a4507229c2a56
COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
REFLECT2=/usr/share/gocode/src/github.com/modern-go/reflect2
SELF=$(readlink -f "$0")
# Bump when a patch to the tree or a build step below changes what comes out (it is part of the cache key).
RECIPE="v1: reflect2 swapped for Debian's; openapi generated; GOPATH mode CGO_ENABLED=0 -s -w; pause.c static as k8s.gcr.io/pause:3.2"

die() { echo "build-k8s: $*" >&2; exit 1; }

# --- prerequisites, each with the package that provides it ---
missing=()
command -v go >/dev/null 2>&1          || missing+=("go (apt-get install golang-go)")
command -v gcc >/dev/null 2>&1         || missing+=("gcc (apt-get install gcc libc6-dev)")
[[ -f /usr/lib/x86_64-linux-gnu/libc.a || -f /usr/lib/libc.a ]] || missing+=("static libc (apt-get install libc6-dev)")
command -v dpkg-source >/dev/null 2>&1 || missing+=("dpkg-source (apt-get install dpkg-dev)")
command -v apt-get >/dev/null 2>&1     || missing+=("apt-get (a Debian machine)")
[[ -d $REFLECT2 ]]                     || missing+=("$REFLECT2 (apt-get install golang-github-modern-go-reflect2-dev)")
command -v sha256sum >/dev/null 2>&1   || missing+=("sha256sum (coreutils)")
if ((${#missing[@]})); then
  printf 'build-k8s: missing prerequisite: %s\n' "${missing[@]}" >&2
  echo "build-k8s: run 'bin/setup --k8s' (as root) to install them" >&2
  exit 1
fi

go_version=$(go env GOVERSION)
reflect2_version=$(dpkg-query -W -f='${Version}' golang-github-modern-go-reflect2-dev 2>/dev/null || echo unknown)
hash=$(echo "$RECIPE|$UPSTREAM|$UPSTREAM_COMMIT|${COMPONENTS[*]}|$go_version|$reflect2_version" | sha256sum | cut -c1-12)
OUT=$CACHE/$SRC_VERSION-$hash

complete() { [[ -f $OUT/BUILD-INFO ]] && for c in "${COMPONENTS[@]}"; do [[ -x $OUT/bin/$c ]] || return 1; done && [[ -f $OUT/images/pause.tar ]]; }

if [[ ${1:-} == --print ]]; then complete && { echo "$OUT"; exit 0; }; echo "build-k8s: no complete build at $OUT" >&2; exit 1; fi
if complete; then echo "build-k8s: cached build of Kubernetes $UPSTREAM ($SRC_VERSION) at"; echo "$OUT"; exit 0; fi

[[ -w $(dirname "$CACHE") || -w $CACHE ]] || die "cannot write the cache directory $CACHE (run as root or set WEFT_K8S_CACHE)"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9   # one build at a time per machine; a second caller waits and then finds the cache complete
if complete; then echo "$OUT"; exit 0; fi

t0=$(date +%s)
WORK=$CACHE/work               # source tree, GOPATH, GOCACHE: reused by later builds with another hash
mkdir -p "$WORK" "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial"
log() { echo "build-k8s: [$(( $(date +%s) - t0 ))s] $*"; }

# --- 1. the source package (deb-src lists of our own; the host's apt config is untouched) ---
upstream_dir=kubernetes-${SRC_VERSION%-*}
SRC=$WORK/$upstream_dir
if [[ ! -f $SRC/.weft-unpacked-$SRC_VERSION ]]; then
  cat > "$CACHE/apt/sources.list" <<EOF
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian-security bookworm-security main
EOF
  APT=(-o Dir::Etc::SourceList="$CACHE/apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
       -o Dir::State::Lists="$CACHE/apt/lists" -o Dir::Cache="$CACHE/apt/cache" -o APT::Sandbox::User=root)
  log "fetching the source package kubernetes=$SRC_VERSION from deb.debian.org"
  apt-get "${APT[@]}" -qq update || die "apt-get update of the deb-src lists failed (is deb.debian.org reachable?)"
  rm -rf "$SRC"
  (cd "$WORK" && apt-get "${APT[@]}" -qq source "kubernetes=$SRC_VERSION" >/dev/null) \
    || die "apt-get source kubernetes=$SRC_VERSION failed (set WEFT_K8S_SRC_VERSION to a version 'apt-cache showsrc kubernetes' lists)"
  [[ -d $SRC/cmd/kube-apiserver ]] || die "unpacked source has no $SRC/cmd/kube-apiserver"
  # patch 1: reflect2 1.0.1 crashes at run time with Go >= 1.18; Debian's 1.0.2 does not
  rm -rf "$SRC/vendor/github.com/modern-go/reflect2"
  cp -r "$REFLECT2" "$SRC/vendor/github.com/modern-go/reflect2"
  touch "$SRC/.weft-unpacked-$SRC_VERSION"
fi

export GOPATH=$WORK/gopath GOCACHE=$WORK/gocache GO111MODULE=off GOPROXY=off GOFLAGS= CGO_ENABLED=0
mkdir -p "$GOPATH/src/k8s.io"
ln -sfn "$SRC" "$GOPATH/src/k8s.io/kubernetes"
cd "$GOPATH/src/k8s.io/kubernetes"

# --- 2. patch 2: the release tarball lacks the generated OpenAPI definitions kube-apiserver needs ---
if [[ ! -s pkg/generated/openapi/zz_generated.openapi.go ]]; then
  log "generating pkg/generated/openapi (vendored openapi-gen)"
  go build -o "$GOPATH/bin/openapi-gen" k8s.io/kubernetes/vendor/k8s.io/kube-openapi/cmd/openapi-gen
  # the directory selection of upstream's Makefile.generated_files
  dirs=$(find -H . \( -not \( \( -path './_*' -o -path './.*' -o -path ./vendor \) -prune \) \) -type f -name '*.go' \
     | sed 's|^./staging/src|vendor|; s|^./||' | xargs grep -l '+k8s:openapi-gen=' \
     | grep -v -e '^vendor/k8s.io/code-generator/' -e '^vendor/k8s.io/sample-apiserver/' \
     | xargs -n1 dirname | LC_ALL=C sort -u | sed 's|^|k8s.io/kubernetes/|' | paste -sd,)
  "$GOPATH/bin/openapi-gen" --logtostderr=false -i "$dirs" -p k8s.io/kubernetes/pkg/generated/openapi \
     -O zz_generated.openapi -h hack/boilerplate/boilerplate.generatego.txt -r "$WORK/openapi-violations.report"
fi

# --- 3. the binaries (static, stripped, version stamped like an upstream release) ---
P=k8s.io/kubernetes/vendor/k8s.io
ldflags="-s -w"
for kv in gitVersion=$UPSTREAM gitMajor=1 gitMinor=20 gitTreeState=clean gitCommit=$UPSTREAM_COMMIT buildDate=2021-01-13T13:20:00Z; do
  ldflags+=" -X $P/client-go/pkg/version.$kv -X $P/component-base/version.$kv"
done
STAGE=$OUT.partial
rm -rf "$STAGE"; mkdir -p "$STAGE/bin" "$STAGE/images"
for c in "${COMPONENTS[@]}"; do
  s=$(date +%s)
  go build -ldflags "$ldflags" -o "$STAGE/bin/$c" "k8s.io/kubernetes/cmd/$c"
  log "built $c in $(( $(date +%s) - s ))s"
done

# --- 4. the pause image from the pause.c of the same tree, as a docker-archive for `ctr images import` ---
pw=$STAGE/pause-build; mkdir -p "$pw/rootfs" "$pw/tar"
gcc -Os -static -o "$pw/rootfs/pause" build/pause/linux/pause.c -DVERSION=3.2-weft && strip "$pw/rootfs/pause"
tar --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$pw/rootfs" -cf "$pw/tar/layer.tar" pause
diff_id=sha256:$(sha256sum "$pw/tar/layer.tar" | cut -d' ' -f1)
cat > "$pw/tar/config.json" <<J
{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"Env":["PATH=/"]},"rootfs":{"type":"layers","diff_ids":["$diff_id"]},"history":[{"created_by":"weft k8s/cluster/build-k8s.sh from $upstream_dir/build/pause/linux/pause.c"}]}
J
echo '[{"Config":"config.json","RepoTags":["k8s.gcr.io/pause:3.2"],"Layers":["layer.tar"]}]' > "$pw/tar/manifest.json"
tar -C "$pw/tar" -cf "$STAGE/images/pause.tar" manifest.json config.json layer.tar
rm -rf "$pw"

cat > "$STAGE/BUILD-INFO" <<EOF
kubernetes $UPSTREAM from Debian source package kubernetes=$SRC_VERSION
go $go_version, reflect2 $reflect2_version, built $(date -u +%FT%TZ) in $(( $(date +%s) - t0 ))s by $SELF (key $hash)
recipe $RECIPE
components: ${COMPONENTS[*]} + images/pause.tar (k8s.gcr.io/pause:3.2)
EOF
rm -rf "$OUT"; mv "$STAGE" "$OUT"
log "done: $(du -sh "$OUT" | cut -f1) in $OUT"
echo "$OUT"
