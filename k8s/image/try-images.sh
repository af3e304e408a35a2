#!/usr/bin/env bash
# try-images.sh DIR: imports DIR/weft-image.tar and DIR/weft-testpod.tar (made by build-oci.sh) into a
# throwaway containerd (own root, state and socket under a temporary directory; stopped and removed at
# the end) and runs them with `ctr run`:
#   - Weft image: `weft version` (the jlinked agent runtime runs the agent jar), `nft --version`,
#     `ip -V`, the CNI plugin answering VERSION with the image's small runtime, and the entrypoint's
#     first line (weft-start, then `weft agent --help`);
#   - test image: `ping -c1 127.0.0.1` with the default capabilities (CAP_NET_RAW included, as in a
#     pod), `sleep`, and /serve answering HTTP (fetched with the image's own wget).
# Needs: root, containerd and runc (apt-get install containerd runc).
set -euo pipefail
dir=${1:?usage: try-images.sh DIR (the --out DIR of build-oci.sh)}
die() { echo "try-images: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root"
for t in containerd ctr runc; do command -v $t >/dev/null 2>&1 || die "'$t' not found: apt-get install containerd runc"; done
for f in weft-image.tar weft-testpod.tar images.env; do [[ -f $dir/$f ]] || die "$dir/$f missing: run k8s/image/build-oci.sh --out $dir"; done
# shellcheck disable=SC1091
. "$dir/images.env"

t=$(mktemp -d /tmp/weft-try-images.XXXXXX)
cpid=
cleanup() {
  set +e
  if [[ -n $cpid ]]; then
    for c in $(ctr -a "$t/c.sock" -n weft-try containers ls -q 2>/dev/null); do
      ctr -a "$t/c.sock" -n weft-try tasks kill -s KILL "$c" >/dev/null 2>&1
      ctr -a "$t/c.sock" -n weft-try tasks delete -f "$c" >/dev/null 2>&1
      ctr -a "$t/c.sock" -n weft-try containers delete "$c" >/dev/null 2>&1
    done
    kill "$cpid"; for _ in $(seq 50); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$cpid" 2>/dev/null && kill -9 "$cpid"
  fi
  grep -o " $t/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$t"
}
trap cleanup EXIT
cat > "$t/config.toml" <<EOF
version = 2
root = "$t/root"
state = "$t/state"
[grpc]
  address = "$t/c.sock"
[ttrpc]
  address = "$t/c.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  # root here has no CAP_SYS_RESOURCE: containers may not lower their OOM score
  restrict_oom_score_adj = true
EOF
containerd --config "$t/config.toml" > "$t/containerd.log" 2>&1 &
cpid=$!
for _ in $(seq 100); do [[ -S $t/c.sock ]] && ctr -a "$t/c.sock" version >/dev/null 2>&1 && break; sleep 0.1; done
ctr -a "$t/c.sock" version >/dev/null 2>&1 || { tail -n 20 "$t/containerd.log" >&2; die "containerd did not start"; }
# the name containerd stores: docker.io/ prefixed unless the first component is a registry host
ref() { local f=${1%%/*}; if [[ $1 == */* && ( $f == *.* || $f == *:* || $f == localhost ) ]]; then echo "$1"; elif [[ $1 == */* ]]; then echo "docker.io/$1"; else echo "docker.io/library/$1"; fi; }
WEFT_REF=$(ref "$WEFT_IMAGE") TESTPOD_REF=$(ref "$TESTPOD_IMAGE")
c() { ctr -a "$t/c.sock" -n weft-try "$@"; }
ok() { echo "ok: $*"; }

s=$SECONDS
c images import "$dir/weft-image.tar" >/dev/null
c images import "$dir/weft-testpod.tar" >/dev/null
ok "imported $WEFT_IMAGE and $TESTPOD_IMAGE in $((SECONDS - s)) s"
c images ls -q | grep -x "$WEFT_REF" >/dev/null || die "$WEFT_IMAGE not listed after import: $(c images ls -q)"

n=0
run() { n=$((n + 1)); c run --rm "$@"; }   # run [ctr run flags] IMAGE ID CMD...
out=$(run "$WEFT_REF" weft-try-$$-$n weft version 2>&1) || die "weft version failed: $out"
echo "$out" | grep -q '^weft [0-9]' || die "unexpected 'weft version' output: $out"
ok "weft version: $(echo "$out" | head -n 1)"
out=$(run "$WEFT_REF" weft-try-$$-$n sh -c 'nft --version && ip -V' 2>&1) || die "nft/ip missing: $out"
ok "$(echo "$out" | tr '\n' ' ')"
out=$(run "$WEFT_REF" weft-try-$$-$n sh -c \
  'echo "{\"cniVersion\":\"1.1.0\",\"name\":\"weft\",\"type\":\"weft\"}" | CNI_COMMAND=VERSION WEFT_CNI_JAVA=/opt/weft/cni-jre/bin/java /opt/weft/cni-bin/weft' 2>&1) \
  || die "CNI plugin VERSION failed: $out"
echo "$out" | grep -q supportedVersions || die "CNI plugin VERSION answered: $out"
ok "CNI plugin answers VERSION with /opt/weft/cni-jre"
# The image's own entrypoint (ctr run without arguments): weft-start, then `weft agent`, which refuses
# the deliberately invalid range and exits.
set +e
out=$(timeout 60 ctr -a "$t/c.sock" -n weft-try run --rm --env WEFT_CLUSTER_RANGE=not-a-range "$WEFT_REF" weft-try-$$-entry 2>&1)
set -e
echo "$out" | grep -q 'weft-start: no cluster secret' && echo "$out" | grep -q 'not-a-range' \
  || die "the entrypoint did not run weft-start and then 'weft agent': $out"
ok "entrypoint runs weft-start, then 'weft agent' (which refused the invalid range: $(echo "$out" | grep -m1 'not-a-range' | cut -c1-120))"

out=$(run "$TESTPOD_REF" weft-try-$$-$n sh -c 'ping -c1 -W2 127.0.0.1 && sleep 0.1 && echo slept' 2>&1) || die "test image ping failed: $out"
echo "$out" | grep -q '1 packets received' || die "ping: $out"
ok "test image: ping and sleep work"
# For the record (not a failure): busybox ping without CAP_NET_RAW (falls back to an ICMP datagram
# socket, which works only where net.ipv4.ping_group_range admits the container's group).
if out=$(run --cap-drop CAP_NET_RAW "$TESTPOD_REF" weft-try-$$-$n ping -c1 -W2 127.0.0.1 2>&1); then
  echo "info: test image: ping works without CAP_NET_RAW too"
else
  echo "info: test image: ping without CAP_NET_RAW fails ($(echo "$out" | tail -n 1)); pods need the default CAP_NET_RAW"
fi
port=$((20000 + RANDOM % 20000))
c run -d --net-host --env HTTP_PORT=$port "$TESTPOD_REF" weft-try-serve-$$ >/dev/null
body=
for _ in $(seq 50); do
  body=$(run --net-host "$TESTPOD_REF" weft-try-$$-$n wget -q -O - "http://127.0.0.1:$port/" 2>/dev/null) && break
  sleep 0.2
done
[[ $body == "$(hostname)" ]] || die "/serve answered '$body', expected the hostname '$(hostname)'"
ok "test image: /serve answers HTTP on $port with the hostname"
echo "try-images: all checks passed"
