#!/usr/bin/env bash
# build-oci.sh: builds the Weft image and a small test-pod image WITHOUT a container engine or a
# registry, as docker-archive tarballs (the `docker save` format) that `ctr -n k8s.io images import`
# accepts (checked with containerd 1.6.20 by try-images.sh; `docker load`/`podman load` not tried).
#
#   k8s/image/build-oci.sh --out DIR [--only weft|testpod] [--tag NAME:TAG] [--testpod-tag NAME:TAG]
#                          [--cache DIR] [--mirror URL] [--refresh]
#
# Writes
#   DIR/weft-image.tar    tag weft/weft:<version of pom.xml without -SNAPSHOT>  (what k8s/deploy/daemonset.yaml uses)
#   DIR/weft-testpod.tar  tag weft.local/testpod:1
#   DIR/images.env        WEFT_IMAGE=<tag> and TESTPOD_IMAGE=<tag>, for scripts to source
#
# The Weft image is the same as `k8s/image/Containerfile` builds (which stays the recipe for users with a
# registry): a debian:<suite>-slim-like root file system made by mmdebstrap from the Debian mirror, with the
# Containerfile's apt packages (read from it), two jlink runtimes made by this machine's JDK 25 with the
# Containerfile's jlink arguments (read from it), the jars of this work tree's Maven build, the same paths,
# ENV and ENTRYPOINT. e2e's ImageMatchesContainerfileTest builds it and fails if the two differ.
#
# The test-pod image is busybox from Debian's busybox-static: `ping`, `sleep`, `wget`, `nc`, `httpd`,
# `ip`, ... in /bin. Its default command, /serve, answers HTTP on $HTTP_PORT (default 8080) with the pod's
# hostname (so a Service test sees which pod answered). `ping` needs CAP_NET_RAW (in the default set of
# containerd and of Kubernetes pods).
#
# Needs: root (mmdebstrap runs in root mode), mmdebstrap, GNU tar, sha256sum, flock, a JDK 25 with jlink
# (JAVA_HOME, else /usr/lib/jvm/temurin-25-jdk-amd64), the Debian mirror, and the Maven build of this tree
# (`mvn -B -ntp -DskipTests package`: agent/target/weft-agent.jar, cli/target/weft-status.jar, cni-shim/target/cni-bin/).
# Slow parts are cached outside the work tree in --cache (default $WEFT_IMAGE_CACHE or /var/cache/weft-image),
# keyed by a hash of their inputs: the base root file system (minutes, from the mirror), busybox and the
# jlink runtimes. --refresh rebuilds the Debian parts (e.g. to pick up security updates).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd "$here/../.." && pwd)
cf=$here/Containerfile

out= only= tag= testpod_tag=weft.local/testpod:1 refresh=0
cache=${WEFT_IMAGE_CACHE:-/var/cache/weft-image}
mirror=${WEFT_DEBIAN_MIRROR:-http://deb.debian.org/debian}

die() { echo "build-oci: $*" >&2; exit 1; }
log() { echo "build-oci: $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

while (($#)); do
  case $1 in
    --out) out=${2:?}; shift ;;
    --only) only=${2:?}; shift ;;
    --tag) tag=${2:?}; shift ;;
    --testpod-tag) testpod_tag=${2:?}; shift ;;
    --cache) cache=${2:?}; shift ;;
    --mirror) mirror=${2:?}; shift ;;
    --refresh) refresh=1 ;;
    -h|--help) usage 0 ;;
    *) echo "build-oci: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
[[ -n $out ]] || { echo "build-oci: --out DIR is required" >&2; usage; }
case $only in ''|weft|testpod) ;; *) die "--only takes 'weft' or 'testpod', not '$only'" ;; esac

# ---- prerequisites ------------------------------------------------------------------------------
[[ $(id -u) -eq 0 ]] || die "must run as root (mmdebstrap builds the Debian root file system in root mode)"
for t in mmdebstrap tar sha256sum flock; do
  command -v $t >/dev/null 2>&1 || die "'$t' not found: apt-get install mmdebstrap tar coreutils util-linux (bin/setup installs them)"
done
tar --version 2>/dev/null | grep -q 'GNU tar' || die "GNU tar is required (for --sort=name and pax headers)"
[[ -f $cf ]] || die "$cf not found"

mkdir -p "$out" "$cache" || die "cannot create $out or $cache"
out=$(cd "$out" && pwd)
exec 9>"$cache/.lock"
flock 9 || die "cannot lock $cache/.lock"

sha() { sha256sum | cut -c1-16; }
# created time of the images: the commit's time, so two builds of one commit are identical
epoch=$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH=$epoch
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$root" status --porcelain 2>/dev/null) ]] || revision+=-dirty

json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
json_arr() { local first=1 a; printf '['; for a in "$@"; do ((first)) || printf ','; first=0; json_str "$a"; done; printf ']'; }

# layer_tar DIR OUT: a reproducible layer tarball of DIR's contents
layer_tar() {
  tar --sort=name --numeric-owner --owner=0 --group=0 --format=pax \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
      --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
      -C "$1" -cf "$2" .
}

# docker_archive OUT TAG CONFIG_JSON_WITHOUT_ROOTFS LAYER... : writes a docker-archive (docker save format)
docker_archive() {
  local dest=$1 name=$2 cfg=$3; shift 3
  local w; w=$(mktemp -d "$out/.archive.XXXXXX")
  local diffs=() files=() l d
  for l in "$@"; do
    d=$(sha256sum "$l" | cut -d' ' -f1)
    mkdir -p "$w/$d"
    ln "$l" "$w/$d/layer.tar" 2>/dev/null || cp "$l" "$w/$d/layer.tar"
    diffs+=("sha256:$d"); files+=("$d/layer.tar")
  done
  printf '%s,"rootfs":{"type":"layers","diff_ids":%s}}\n' "${cfg%\}}" "$(json_arr "${diffs[@]}")" > "$w/config.json"
  local c; c=$(sha256sum "$w/config.json" | cut -d' ' -f1)
  mv "$w/config.json" "$w/$c.json"
  printf '[{"Config":"%s.json","RepoTags":%s,"Layers":%s}]\n' "$c" "$(json_arr "$name")" "$(json_arr "${files[@]}")" > "$w/manifest.json"
  (cd "$w" && tar --numeric-owner --owner=0 --group=0 --mtime="@$epoch" --format=pax --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$dest.tmp" manifest.json "$c.json" "${files[@]%/layer.tar}")
  mv -f "$dest.tmp" "$dest"
  rm -rf "$w"
}

# ---- what the Containerfile declares (read, not copied, so the two cannot disagree on these) ----
joined=$(sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' "$cf")       # continuation lines joined
final_stage=$(awk '/^FROM /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' <<<"$joined")
base_ref=$(sed -n 's/^FROM[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' <<<"$final_stage")
if [[ $base_ref =~ ^\$\{?([A-Za-z_]+)\}?$ ]]; then
  base_ref=$(sed -n "s/^ARG[[:space:]]\{1,\}${BASH_REMATCH[1]}=\(.*\)/\1/p" <<<"$joined" | head -n 1)
fi
[[ $base_ref =~ (^|/)debian:([a-z]+)(-slim)?$ ]] \
  || die "the Containerfile's final stage is based on '$base_ref'; this script can only make debian:<suite>[-slim] bases"
suite=${BASH_REMATCH[2]}
apt_pkgs=$(grep -o 'apt-get install[^&]*' <<<"$final_stage" | tr ' ' '\n' | grep -v -e '^-' -e '^apt-get$' -e '^install$' -e '^$' | sort -u | paste -sd, -)
mapfile -t jlink_lines < <(sed -n 's/^RUN[[:space:]]\{1,\}jlink[[:space:]]\{1,\}//p' <<<"$joined")
((${#jlink_lines[@]} == 2)) || die "expected the Containerfile's two 'RUN jlink' lines (agent, CNI runtime); found ${#jlink_lines[@]}: update this script"

version=$(grep -m1 -A1 '<artifactId>weft-parent</artifactId>' "$root/pom.xml" | sed -n 's/.*<version>\(.*\)<\/version>.*/\1/p')
[[ -n $version ]] || die "cannot read the version from $root/pom.xml"
tag=${tag:-weft/weft:${version%-SNAPSHOT}}

# ---- the Debian base: mmdebstrap, cached by its inputs -----------------------------------------
slim_opts=(--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*'
           --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*'
           --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/groff/*'
           --dpkgopt='path-exclude=/usr/share/lintian/*')
# debootstrap_layer NAME VARIANT PKGS -> prints the cached layer tarball of that root file system
debian_layer() {
  local name=$1 variant=$2 pkgs=$3
  local key; key=$(printf '%s\n' v3 "$suite" "$mirror" "$variant" "$pkgs" "${slim_opts[@]}" | sha)
  local layer=$cache/$name-$suite-$key.tar
  if [[ -s $layer && $refresh -eq 0 ]]; then log "$name root file system: cached $layer"; echo "$layer"; return; fi
  local t0=$SECONDS w; w=$(mktemp -d "$cache/.$name.XXXXXX")
  log "$name root file system: mmdebstrap $suite ($variant, $pkgs) from $mirror (first time on this machine: a few minutes)"
  mmdebstrap --mode=root --variant="$variant" ${pkgs:+--include="$pkgs"} "${slim_opts[@]}" \
      "$suite" "$w/root" "$mirror" > "$w/mmdebstrap.log" 2>&1 \
    || { tail -n 30 "$w/mmdebstrap.log" >&2; rm -rf "$w"; die "mmdebstrap failed (log above); is $mirror reachable?"; }
  rm -rf "$w"/root/var/lib/apt/lists/*      # the Containerfile's `rm -rf /var/lib/apt/lists/*` (mmdebstrap keeps lock, partial/)
  if [[ $variant != extract ]]; then layer_tar "$w/root" "$layer.tmp"; else tar -C "$w/root" -cf "$layer.tmp" .; fi
  mv -f "$layer.tmp" "$layer"
  rm -rf "$w"
  find "$cache" -maxdepth 1 -name "$name-*.tar" ! -name "${layer##*/}" -delete   # superseded recipes
  log "$name root file system: built in $((SECONDS - t0)) s -> $layer"
  echo "$layer"
}

# ---- the Weft image ---------------------------------------------------------------------------
build_weft() {
  local jdk=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
  [[ -x $jdk/bin/jlink ]] || die "no jlink in $jdk/bin: set JAVA_HOME to a JDK 25 (Temurin 25: /usr/lib/jvm/temurin-25-jdk-amd64)"
  "$jdk/bin/java" -version 2>&1 | grep -q 'version "25' || die "$jdk is not a JDK 25 (the Containerfile's runtimes are jlinked from Temurin 25)"
  local agent_jar=$root/agent/target/weft-agent.jar status_jar=$root/cli/target/weft-status.jar cni=$root/cni-shim/target/cni-bin f
  for f in "$agent_jar" "$status_jar" "$cni/weft" "$cni/weft-cni.jar" "$cni/install-weft-cni"; do
    [[ -f $f ]] || die "$f missing: build the jars first (cd $root && mvn -B -ntp -DskipTests package)"
  done

  local base; base=$(debian_layer weft-base minbase "$apt_pkgs")

  # jlink runtimes, with the Containerfile's arguments, cached by JDK and arguments
  local rt; rt=$cache/jre-$( { cat "$jdk/release"; printf '%s\n' "${jlink_lines[@]}"; } | sha)
  if [[ ! -x $rt/jre/bin/java || ! -x $rt/cni-jre/bin/java ]]; then
    local t0=$SECONDS line args o; rm -rf "$rt.tmp"; mkdir -p "$rt.tmp"
    for line in "${jlink_lines[@]}"; do
      read -r -a args <<<"$line"
      for ((o = 0; o < ${#args[@]}; o++)); do [[ ${args[o]} == --output ]] && args[o + 1]=$rt.tmp${args[o + 1]}; done
      log "jlink ${args[*]}"
      "$jdk/bin/jlink" "${args[@]}" || die "jlink failed"
    done
    [[ -x $rt.tmp/jre/bin/java && -x $rt.tmp/cni-jre/bin/java ]] \
      || die "the Containerfile's jlink lines no longer make /jre and /cni-jre: update this script"
    rm -rf "$rt"; mv "$rt.tmp" "$rt"
    find "$cache" -maxdepth 1 -name 'jre-*' ! -name "${rt##*/}" -exec rm -rf {} +   # superseded JDKs or arguments
    log "jlink runtimes built in $((SECONDS - t0)) s"
  else
    log "jlink runtimes: cached $rt"
  fi

  # The Weft layer: mirrors the COPY/RUN lines of the Containerfile's final stage.
  local s; s=$(mktemp -d "$out/.weft.XXXXXX")
  mkdir -p "$s/opt/weft/lib" "$s/opt/weft/cni-bin" "$s/opt/weft/bin" "$s/usr/local/bin"
  cp -a "$rt/jre" "$s/opt/weft/jre"                                          # COPY --from=jre /jre /opt/weft/jre
  cp -a "$rt/cni-jre" "$s/opt/weft/cni-jre"                                  # COPY --from=jre /cni-jre /opt/weft/cni-jre
  cp "$agent_jar" "$s/opt/weft/lib/weft-agent.jar"                           # COPY --from=build .../weft-agent.jar
  cp "$status_jar" "$s/opt/weft/lib/weft-status.jar"                         # COPY --from=build .../weft-status.jar
  cp "$cni/weft" "$cni/weft-cni.jar" "$cni/install-weft-cni" "$s/opt/weft/cni-bin/"   # COPY --from=build .../cni-bin/...
  cp "$root/bin/weft" "$s/opt/weft/bin/weft"                                 # COPY bin/weft /opt/weft/bin/weft
  cp "$here/install-cni" "$here/weft-start" "$s/opt/weft/bin/"               # COPY k8s/image/install-cni k8s/image/weft-start
  chmod 755 "$s"/opt/weft/bin/* "$s/opt/weft/cni-bin/weft" "$s/opt/weft/cni-bin/install-weft-cni"
  ln -s /opt/weft/bin/weft "$s/usr/local/bin/weft"
  chmod -R u=rwX,go=rX "$s/opt/weft/lib" "$s/opt/weft/cni-bin/weft-cni.jar"
  chmod 755 "$s/opt" "$s/opt/weft" "$s/usr" "$s/usr/local" "$s/usr/local/bin" "$s/opt/weft/lib" "$s/opt/weft/cni-bin" "$s/opt/weft/bin"
  chmod 755 "$s"                                                             # the layer's "./" is the image's "/"
  find "$s" -exec touch -h -d "@$epoch" {} +
  layer_tar "$s" "$out/.weft-layer.tar"
  rm -rf "$s"

  local cfg
  cfg=$(printf '{"architecture":"amd64","os":"linux","created":"%s","config":{"Env":%s,"Entrypoint":%s,"Labels":{"org.opencontainers.image.version":%s,"org.opencontainers.image.revision":%s}},"history":[{"created":"%s","created_by":"mmdebstrap %s minbase + %s (k8s/image/build-oci.sh)"},{"created":"%s","created_by":"Weft %s (k8s/image/build-oci.sh, layout of k8s/image/Containerfile)"}]}' \
    "$created" \
    "$(json_arr PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin WEFT_HOME=/opt/weft WEFT_JAVA=/opt/weft/jre/bin/java WEFT_STATUS_JAVA=/opt/weft/cni-jre/bin/java WEFT_RUN_DIR=/run/weft)" \
    "$(json_arr /opt/weft/bin/weft-start)" \
    "$(json_str "$version")" "$(json_str "$revision")" \
    "$created" "$suite" "$apt_pkgs" "$created" "$version")
  docker_archive "$out/weft-image.tar" "$tag" "$cfg" "$base" "$out/.weft-layer.tar"
  rm -f "$out/.weft-layer.tar"
  log "wrote $out/weft-image.tar ($tag, $(du -m "$out/weft-image.tar" | cut -f1) MiB)"
}

# ---- the test-pod image -----------------------------------------------------------------------
build_testpod() {
  local debs; debs=$(debian_layer busybox extract busybox-static)
  local s; s=$(mktemp -d "$out/.testpod.XXXXXX")
  mkdir -p "$s/x" "$s/r/bin" "$s/r/etc" "$s/r/tmp" "$s/r/www" "$s/r/root" "$s/r/proc" "$s/r/sys" "$s/r/dev"
  tar -C "$s/x" -xf "$debs"
  local bb; bb=$(find "$s/x" -type f -name busybox -path '*bin/*' | head -n 1)
  [[ -n $bb ]] || die "busybox-static did not contain a busybox binary"
  cp "$bb" "$s/r/bin/busybox"; chmod 755 "$s/r/bin/busybox"
  local a
  for a in $("$s/r/bin/busybox" --list); do
    [[ $a == busybox || -e $s/r/bin/$a ]] || ln -s busybox "$s/r/bin/$a"
  done
  for a in ping sleep httpd sh wget nc; do [[ -L $s/r/bin/$a ]] || die "busybox-static has no '$a' applet"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$s/r/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' > "$s/r/etc/group"
  cat > "$s/r/serve" <<'EOF'
#!/bin/sh
# Answers HTTP on $HTTP_PORT (default 8080) with this pod's hostname; every GET of / returns it.
mkdir -p /www && hostname > /www/index.html
exec httpd -f -p "${HTTP_PORT:-8080}" -h /www
EOF
  chmod 755 "$s/r" "$s/r/serve"; chmod 1777 "$s/r/tmp"; chmod 700 "$s/r/root"
  find "$s/r" -exec touch -h -d "@$epoch" {} +
  layer_tar "$s/r" "$out/.testpod-layer.tar"
  rm -rf "$s"
  local cfg
  cfg=$(printf '{"architecture":"amd64","os":"linux","created":"%s","config":{"Env":%s,"Cmd":%s,"WorkingDir":"/","ExposedPorts":{"8080/tcp":{}}},"history":[{"created":"%s","created_by":"busybox-static from Debian %s (k8s/image/build-oci.sh)"}]}' \
    "$created" "$(json_arr PATH=/bin)" "$(json_arr /serve)" "$created" "$suite")
  docker_archive "$out/weft-testpod.tar" "$testpod_tag" "$cfg" "$out/.testpod-layer.tar"
  rm -f "$out/.testpod-layer.tar"
  log "wrote $out/weft-testpod.tar ($testpod_tag, $(du -m "$out/weft-testpod.tar" | cut -f1) MiB)"
}

t0=$SECONDS
[[ $only == testpod ]] || build_weft
[[ $only == weft ]] || build_testpod
{
  [[ $only == testpod ]] || echo "WEFT_IMAGE=$tag"
  [[ $only == weft ]] || echo "TESTPOD_IMAGE=$testpod_tag"
} > "$out/images.env"
log "done in $((SECONDS - t0)) s; import with: ctr -n k8s.io images import $out/weft-image.tar"
