#!/usr/bin/env bash
# Installs Weft on the running local cluster (cluster.sh up) the way k8s/README.md tells users:
#   1. the image: here imported into every node's containerd from an archive (no registry);
#   2. the pod range: WEFT_CLUSTER_RANGE in deploy/configmap.yaml, the cluster's (cluster.sh env: 198.18.0.0/16,
#      and 2001:db8:18::/112 when dual-stack); WEFT_IPAM_MODE "ring" (default) or "podcidr" (--ipam-mode);
#   3. the cluster secret: kubectl create namespace weft; kubectl -n weft create secret generic weft-secret --from-file=key=...;
#   4. kubectl apply -k on k8s/deploy with the image name substituted (README: `kustomize edit set image`;
#      kubectl 1.20 has no `kustomize edit`, so the same `images:` entry is written into a copy of deploy/);
#   5. kubectl -n weft rollout status ds/weft, then every Node Ready with Weft's annotations and
#      NetworkUnavailable=False.
# usage: install-weft.sh --image NAME:TAG --archive WEFT.tar [--archive OTHER.tar ...] [--no-secret]
#                        [--range CIDR[,CIDR6]] [--ipam-mode ring|podcidr]
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
image="" archives=() secret=1 range="" mode=ring
while (($#)); do
  case $1 in
    --image) image=$2; shift 2;;
    --archive) archives+=("$2"); shift 2;;
    --no-secret) secret=0; shift;;
    --range) range=$2; shift 2;;
    --ipam-mode) mode=$2; shift 2;;
    *) echo "install-weft: unknown option $1" >&2; exit 2;;
  esac
done
[[ -n $image ]] || { echo "install-weft: --image NAME:TAG is required" >&2; exit 2; }
case $mode in ring|podcidr) ;; *) echo "install-weft: --ipam-mode takes ring or podcidr, not '$mode'" >&2; exit 2;; esac
eval "$("$HERE/cluster.sh" env)"
range=${range:-$WEFT_K8S_POD_RANGE}
K() { "$HERE/cluster.sh" kubectl "$@"; }
T0=$(date +%s)
log() { echo "install-weft: [$(( $(date +%s) - T0 ))s] $*"; }

# 1. images into every node's containerd (what a registry pull would do)
for a in "${archives[@]}"; do
  [[ -f $a ]] || { echo "install-weft: no image archive $a" >&2; exit 1; }
  for ((i = 1; i <= WEFT_K8S_NODES; i++)); do
    sock=$WEFT_K8S_RUN_DIR/nodes/n$i/containerd/containerd.sock
    [[ -S $sock ]] || continue   # a node that was switched off
    ctr -a "$sock" -n k8s.io images import "$a" >/dev/null
  done
  log "imported $(basename "$a") into every node"
done
full_ref() { # how containerd names an image reference (docker.io/library/ added like the kubelet does)
  local r=$1
  [[ $r == */* ]] || r=library/$r
  [[ ${r%%/*} == *.* || ${r%%/*} == *:* || ${r%%/*} == localhost ]] || r=docker.io/$r
  echo "$r"
}
for ((i = 1; i <= WEFT_K8S_NODES; i++)); do
  sock=$WEFT_K8S_RUN_DIR/nodes/n$i/containerd/containerd.sock
  [[ -S $sock ]] || continue
  ctr -a "$sock" -n k8s.io images ls -q | grep -xF "$(full_ref "$image")" >/dev/null \
    || { echo "install-weft: image $image is not in n$i's containerd after import (archives: ${archives[*]})" >&2; exit 1; }
done

# 2. + 4. a copy of deploy/ with the pod range and the image set
deploy=$WEFT_K8S_RUN_DIR/deploy
rm -rf "$deploy"; cp -r "$REPO/k8s/deploy" "$deploy"
sed -i "s|^\(  WEFT_CLUSTER_RANGE:\).*|\1 \"$range\"|" "$deploy/configmap.yaml"
grep -q "WEFT_CLUSTER_RANGE: \"$range\"" "$deploy/configmap.yaml" || { echo "install-weft: could not set WEFT_CLUSTER_RANGE" >&2; exit 1; }
sed -i "s|^\(  WEFT_IPAM_MODE:\).*|\1 \"$mode\"|" "$deploy/configmap.yaml"
grep -q "WEFT_IPAM_MODE: \"$mode\"" "$deploy/configmap.yaml" || { echo "install-weft: could not set WEFT_IPAM_MODE" >&2; exit 1; }
log "WEFT_CLUSTER_RANGE=$range WEFT_IPAM_MODE=$mode"
name=${image%:*} tag=${image##*:}
sed -i "/^  - name: weft\/weft$/,/^[^ ]/ s|^    newTag: .*|    newName: $name\n    newTag: \"$tag\"|" "$deploy/kustomization.yaml"
grep -q "newName: $name" "$deploy/kustomization.yaml" || { echo "install-weft: could not set the image in kustomization.yaml" >&2; exit 1; }

# 3. the cluster secret
if ((secret)); then
  K create namespace weft
  head -c 32 /dev/urandom | base64 > "$WEFT_K8S_RUN_DIR/weft.key"
  K -n weft create secret generic weft-secret --from-file=key="$WEFT_K8S_RUN_DIR/weft.key"
fi

# 4. apply
K apply -k "$deploy"
log "applied; waiting for the DaemonSet"
K -n weft rollout status ds/weft --timeout=300s

# 5. nodes
for ((i = 1; i <= WEFT_K8S_NODES; i++)); do
  K wait --for=condition=Ready "node/n$i" --timeout=120s >/dev/null
done
K get nodes -o 'custom-columns=NODE:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,NETWORK-UNAVAILABLE:.status.conditions[?(@.type=="NetworkUnavailable")].status,REASON:.status.conditions[?(@.type=="NetworkUnavailable")].reason,PEER:.metadata.annotations.weft\.dev/peer-id'
log "Weft installed"
