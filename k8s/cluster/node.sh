#!/usr/bin/env bash
# One Kubernetes node of the local cluster: started by cluster.sh as
#   unshare --mount --propagation slave -- nsenter --net=/run/netns/<node ns> -- node.sh <node dir> <k8s bin dir>
# so it runs in the node's network namespace and in a mount namespace of its own. There the host
# paths a node's software expects are bind-mounted from the node directory, so three nodes on one
# machine do not share /opt/cni/bin, /etc/cni/net.d, /var/lib/weft, /run/weft, /run/netns (pod network
# namespaces), /run/containerd, /var/lib/kubelet or /var/log/pods, exactly as on separate machines:
# the Weft DaemonSet's hostPath volumes resolve to this node's directories. Nothing mounted here is
# seen by the host (slave propagation); it all disappears with the last process of this namespace.
# Starts containerd (own root, state and socket), imports the images, then kubelet and kube-proxy,
# and waits. cluster.sh stops it (and everything in it) with `down`.
set -euo pipefail
node_dir=$1 k8s_bin=$2
name=$(basename "$node_dir")
log() { echo "node $name: $(date -u +%T) $*"; }

# This mount namespace is a slave of the host's; make it shared inside so that kubelet's volume
# mounts propagate to containers with HostToContainer (as on a node where / is shared).
mount --make-rshared /
while read -r dst; do
  src=$node_dir/host${dst}
  mkdir -p "$src"
  [[ -d $dst ]] || { echo "node $name: $dst does not exist on the host (cluster.sh creates it)"; exit 1; }
  mount --bind "$src" "$dst"
done < "$node_dir/bind-mounts"

pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap stop_all EXIT

log "starting containerd"
containerd --config "$node_dir/containerd.toml" > "$node_dir/logs/containerd.log" 2>&1 &
pids+=($!); echo $! > "$node_dir/containerd.pid"
sock=$node_dir/containerd/containerd.sock
for _ in $(seq 100); do [[ -S $sock ]] && ctr -a "$sock" version >/dev/null 2>&1 && break; sleep 0.2; done
ctr -a "$sock" version >/dev/null || { log "containerd did not start (see logs/containerd.log)"; exit 1; }

for img in "$node_dir"/../../images/*.tar; do
  [[ -f $img ]] || continue
  ctr -a "$sock" -n k8s.io images import --all-platforms "$img" >/dev/null || { log "importing $img failed"; exit 1; }
  log "imported $(basename "$img")"
done

log "starting kubelet"
"$k8s_bin/kubelet" --config="$node_dir/kubelet.yaml" --kubeconfig="$node_dir/kubelet.kubeconfig" \
  --container-runtime=remote --container-runtime-endpoint="unix://$sock" \
  --hostname-override="$name" --node-ip="$(cat "$node_dir/address")" \
  --root-dir=/var/lib/kubelet --cert-dir=/var/lib/kubelet/pki --v=1 \
  > "$node_dir/logs/kubelet.log" 2>&1 &
pids+=($!); echo $! > "$node_dir/kubelet.pid"

log "starting kube-proxy"
"$k8s_bin/kube-proxy" --config="$node_dir/kube-proxy.yaml" --v=1 > "$node_dir/logs/kube-proxy.log" 2>&1 &
pids+=($!); echo $! > "$node_dir/kube-proxy.pid"

log "running (containerd ${pids[0]}, kubelet ${pids[1]}, kube-proxy ${pids[2]})"
# Stay until stopped: if kubelet is stopped on purpose (a node removed for good), containerd and
# kube-proxy keep running until cluster.sh down, like a powered-off machine's disk would stay.
wait
