#!/bin/sh
# Checks the image's CNI install step without a container engine: builds the plugin runtime with
# jlink exactly as the Containerfile does, runs install-cni against temporary "host" directories,
# then runs the installed plugin (VERSION, and ADD with no agent => CNI error 11), re-installs
# (upgrade: one runtime left) and checks that a conflist naming a missing plugin is refused.
# Needs: a JDK 25 (JAVA_HOME), the cni-shim build (mvn -pl cni-shim -am package).
# Usage: k8s/image/test-install-cni.sh   (from the repository root)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
jdk=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
src=$root/cni-shim/target/cni-bin
[ -f "$src/weft-cni.jar" ] || { echo "build the plugin first: mvn -B -pl cni-shim -am package" >&2; exit 2; }
t=$(mktemp -d /tmp/wft-k8s-install.XXXXXX)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/bin" "$t/conf" "$t/cfg"
ok() { echo "ok: $*"; }
no() { echo "FAIL: $*" >&2; exit 1; }

modules=$(grep -B1 -- '--output /cni-jre' "$root/k8s/image/Containerfile" | sed -n 's/.*--add-modules \([^ ]*\).*/\1/p')
[ -n "$modules" ] || no "could not find the CNI runtime's jlink line in the Containerfile"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --output "$t/jre"
sed -n '/10-weft.conflist: |/,$p' "$root/k8s/deploy/cni-config.yaml" | tail -n +2 | sed 's/^    //' > "$t/cfg/10-weft.conflist"
printf '#!/bin/sh\nexit 0\n' > "$t/bin/portmap"; chmod 755 "$t/bin/portmap"

run() {
  WEFT_CNI_BIN_DIR=$t/bin WEFT_CNI_CONF_DIR=$t/conf WEFT_CNI_CONFLIST=$t/cfg/10-weft.conflist \
    WEFT_CNI_SRC=$src WEFT_CNI_JRE=$t/jre sh "$root/k8s/image/install-cni" > "$t/log" 2>&1
}
run || { cat "$t/log"; no "install-cni failed"; }
[ -x "$t/bin/weft" ] && [ -f "$t/bin/weft-cni.jar" ] && [ -x "$t/bin/weft-jre/bin/java" ] || no "plugin files missing"
[ -f "$t/bin/weft-cni.aot" ] || no "no AOT cache recorded with the shipped runtime"
cmp -s "$t/conf/10-weft.conflist" "$t/cfg/10-weft.conflist" || no "conflist not installed verbatim"
ls -a "$t/bin" "$t/conf" | grep -q '\.tmp' && no "temporary files left behind"
ok "installed plugin, runtime, AOT cache and conflist"

out=$(echo '{"cniVersion":"1.1.0","name":"weft","type":"weft"}' | CNI_COMMAND=VERSION "$t/bin/weft")
echo "$out" | grep -q '"supportedVersions"' || no "VERSION answered: $out"
ok "installed plugin answers VERSION with the installed runtime"

# AOTMode=on: the JVM refuses to start instead of silently ignoring a cache it cannot use
out=$(echo '{"cniVersion":"1.1.0"}' | JAVA_TOOL_OPTIONS=-XX:AOTMode=on CNI_COMMAND=VERSION "$t/bin/weft" 2>&1)
echo "$out" | grep -q '"supportedVersions"' || no "the installed AOT cache is not usable by the launcher: $out"
ok "the launcher uses the AOT cache recorded on install"

set +e
out=$(echo "{\"cniVersion\":\"1.1.0\",\"name\":\"weft\",\"type\":\"weft\",\"agentSocket\":\"$t/none.sock\"}" \
  | CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/var/run/netns/none CNI_IFNAME=eth0 CNI_PATH=$t/bin "$t/bin/weft" 2>"$t/err")
rc=$?
set -e
[ $rc -ne 0 ] && echo "$out" | grep -q '"code":11' || { cat "$t/err"; no "ADD without agent: rc=$rc out=$out"; }
grep -q 'Exception' "$t/err" && { cat "$t/err"; no "plugin threw"; }
ok "ADD without an agent answers CNI error 11 (try again later)"

sleep 1
run || { cat "$t/log"; no "re-install failed"; }
[ "$(ls -d "$t"/bin/weft-jre-* | wc -l)" -eq 1 ] || no "old plugin runtimes left behind: $(ls -d "$t"/bin/weft-jre-*)"
ok "re-install (upgrade) leaves exactly one runtime"

rm "$t/bin/portmap" "$t/conf/10-weft.conflist"
if run; then no "a conflist chaining a missing plugin was installed"; fi
grep -q "chains plugin 'portmap'" "$t/log" || no "unclear refusal: $(cat "$t/log")"
[ -e "$t/conf/10-weft.conflist" ] && no "conflist written despite the refusal"
ok "conflist naming a missing plugin is refused with a clear message"
echo "test-install-cni: all checks passed"
