#!/usr/bin/env bash
# `bin/demo --kubernetes`: Weft on a real Kubernetes 1.20.2 on this machine. Builds what is missing
# (Weft's jars, Kubernetes from Debian's source package: ~15 min the first time on a machine, the images),
# brings up a control plane and three nodes in network namespaces (cluster.sh), installs Weft as
# k8s/README.md says (install-weft.sh), starts 6 test pods, prints the pod-to-pod ping matrix and
# `kubectl get nodes,pods -o wide` (IPv4 and IPv6 matrices and Service addresses on the dual-stack cluster),
# and removes everything again unless --keep is given.
# usage: demo.sh [--keep]      (then: k8s/cluster/cluster.sh kubectl get pods -A; k8s/cluster/cluster.sh down)
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
keep=0
for a in "$@"; do case $a in --keep) keep=1;; *) echo "demo: unknown option $a (only --keep)" >&2; exit 2;; esac; done
cd "$REPO"
eval "export $(bin/setup --k8s | tail -n 1)"
if [[ ! -f agent/target/weft-agent.jar || ! -x cni-shim/target/cni-bin/weft ]]; then
  echo "demo: building Weft (first run only; takes a few minutes)"
  mvn -B -q -ntp -DskipTests package
fi
"$HERE/build-k8s.sh"
images=$(mktemp -d /tmp/weft-k8s-images.XXXXXX)
k8s/image/build-oci.sh --out "$images"
# shellcheck disable=SC1091
source "$images/images.env"

"$HERE/cluster.sh" down >/dev/null
if ((keep)); then
  trap 'rm -rf "$images"' EXIT
else
  trap '"$HERE/cluster.sh" down; rm -rf "$images"' EXIT
fi
"$HERE/cluster.sh" up --nodes 3
"$HERE/install-weft.sh" --image "$WEFT_IMAGE" --archive "$images/weft-image.tar" --archive "$images/weft-testpod.tar"
K() { "$HERE/cluster.sh" kubectl "$@"; }
sed "s|TESTPOD_IMAGE|$TESTPOD_IMAGE|" "$REPO/e2e/src/test/resources/k8s/testpods.yaml" > "$images/testpods.yaml"
K apply -f "$images/testpods.yaml"
K rollout status deployment/pingers --timeout=300s
eval "$("$HERE/cluster.sh" env)"

fails=0
matrix() { # <family> <jsonpath of the pod's address of that family>
  echo
  echo "== $1 pod-to-pod ping matrix (one ping from each row's pod to each column's pod, across nodes)"
  local rows r c pod node ip to cell
  mapfile -t rows < <(K get pods -l app=pingers -o jsonpath="{range .items[*]}{.metadata.name} {.spec.nodeName} $2{\"\\n\"}{end}")
  printf '%-32s %-4s %-18s' "FROM \\ TO" "NODE" "IP"
  for r in "${rows[@]}"; do read -r _ _ ip <<<"$r"; printf ' %-18s' "$ip"; done; echo
  for r in "${rows[@]}"; do
    read -r pod node ip <<<"$r"
    printf '%-32s %-4s %-18s' "$pod" "$node" "$ip"
    for c in "${rows[@]}"; do
      read -r _ _ to <<<"$c"
      if [[ $to == "$ip" ]]; then cell=-
      elif K exec "$pod" -- ping -c 1 -W 3 "$to" >/dev/null 2>&1; then cell=ok
      else cell=FAIL; fails=$((fails + 1)); fi
      printf ' %-18s' "$cell"
    done
    echo
  done
}
matrix IPv4 '{.status.podIP}'
# a dual-stack cluster (cluster.sh up without --ipv4-only): each pod's second address is its IPv6 one
if [[ $WEFT_K8S_POD_RANGE == *:* ]]; then matrix IPv6 '{.status.podIPs[1].ip}'; fi
echo
echo "== ClusterIP Service pingers from each node (kube-proxy on top of Weft): who answered"
for svc in $(K get service pingers -o jsonpath='{.spec.clusterIPs[*]}'); do
  url=http://$svc/; [[ $svc == *:* ]] && url="http://[$svc]/"
  for n in $(K get nodes -o jsonpath='{.items[*].metadata.name}'); do
    printf '%-4s %-28s -> %s\n' "$n" "$url" "$("$HERE/cluster.sh" node-exec "$n" curl -sS -g -m 5 "$url" 2>&1)"
  done
done
echo
echo "== kubectl get nodes,pods -A -o wide"
K get nodes,pods -A -o wide
agent=$(K -n weft get pods -l app.kubernetes.io/name=weft -o jsonpath='{.items[0].metadata.name}')
echo
echo "== kubectl -n weft exec $agent -c weft -- weft status"
K -n weft exec "$agent" -c weft -- weft status || true
echo
if ((keep)); then
  echo "demo: the cluster stays up. Try:"
  echo "  k8s/cluster/cluster.sh kubectl get pods -A -o wide"
  echo "  k8s/cluster/cluster.sh kubectl -n weft exec $agent -c weft -- weft status peers"
  echo "  k8s/cluster/cluster.sh node-exec n1 ip route"
  echo "  k8s/cluster/cluster.sh down            # remove everything"
fi
((fails == 0)) || { echo "demo: $fails pings failed" >&2; exit 1; }
