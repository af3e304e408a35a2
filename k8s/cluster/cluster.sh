#!/usr/bin/env bash
# A real multi-node Kubernetes 1.20 cluster on one machine, in network namespaces like `weft lab`:
#
#   [<run>-u]   underlay namespace: bridge br0
#     |-- [<run>-cp]  control plane, eth0 192.0.2.10: etcd (127.0.0.1), kube-apiserver (:6443),
#     |               kube-controller-manager, kube-scheduler
#     |-- [<run>-n1]  node n1, eth0 192.0.2.11: containerd, kubelet, kube-proxy (node.sh), in a mount
#     |-- [<run>-n2]  namespace of its own where /opt/cni/bin, /etc/cni/net.d, /var/lib/weft, /run/weft,
#     '-- [<run>-n3]  /run/netns, ... are the node's own directories (see node.sh)
#
# Address plan (DESIGN.md §10): underlay 192.0.2.0/24, Service range 198.51.100.0/24 (the `kubernetes`
# Service is 198.51.100.1), pods 198.18.0.0/16 (Weft's WEFT_CLUSTER_RANGE). Nothing is created in the
# host's network namespace; every process started is recorded and stopped by `down`, also when `up`
# fails. Binaries come from build-k8s.sh (built once per machine, cached outside the work tree).
#
# Dual stack (the default; --ipv4-only turns it off): Kubernetes 1.20's alpha feature gate IPv6DualStack on
# kube-apiserver, kube-controller-manager, kubelet and kube-proxy; Services from 198.51.100.0/24 and
# 2001:db8:5e::/112; the controller manager gives every Node a spec.podCIDRs pair (a /24 of 198.18.0.0/16 and
# a /120 of 2001:db8:18::/112, the same ranges as Weft's WEFT_CLUSTER_RANGE, so either IPAM mode works); every
# node gets an IPv6 default route on eth0 (a dual-stack node has one; nothing answers there: IPv6 addresses
# exist only on Weft's devices and in pods). IPv6 addresses are documentation prefixes (2001:db8::/32).
#
# usage: cluster.sh up [--nodes N] [--ipv4-only]   create the cluster (no CNI yet: nodes stay NotReady)
#        cluster.sh down [RUN...]      stop and remove the current run (or the given ones, or --all)
#        cluster.sh kubectl ARGS...    kubectl of the cluster (run in the control-plane namespace)
#        cluster.sh env                KUBECTL/RUN/... for scripts: eval "$(cluster.sh env)"
#        cluster.sh node-exec NODE CMD...   run CMD in a node's network and mount namespaces
#        cluster.sh stop-node NODE     power a node off for good: kubelet, kube-proxy, its pods, containerd
# env:   WEFT_K8S_RUNS (default /tmp/weft-k8s): run directories (logs stay after down)
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
RUNS=${WEFT_K8S_RUNS:-/tmp/weft-k8s}
CP_ADDR=192.0.2.10
SVC_RANGE=198.51.100.0/24
SVC_KUBERNETES=198.51.100.1
POD_RANGE=198.18.0.0/16
SVC_RANGE_V6=2001:db8:5e::/112
POD_RANGE_V6=2001:db8:18::/112
# Each Node's spec.podCIDRs when dual-stack: 256 /24s and 256 /120s (the controller manager allows at most 16
# bits between the cluster and the node mask)
NODE_MASK_V4=24
NODE_MASK_V6=120
# Host paths a node's software uses; each is bind-mounted from the node's own directory (node.sh).
NODE_PATHS=(/opt/cni/bin /etc/cni/net.d /var/lib/weft /run/weft /run/netns /run/containerd /var/lib/kubelet
            /var/log/pods /var/log/containers /var/lib/cni)

die() { echo "cluster: $*" >&2; exit 1; }
log() { echo "cluster: [$(( $(date +%s) - ${T0:-$(date +%s)} ))s] $*"; }

# The host directories cluster.sh created as mount points (e.g. /opt/cni/bin on a machine without it), for all
# runs on this machine, and a lock around creating and removing them: removing a directory that is a mount
# point in another cluster's node would detach that node's mount (its /opt/cni/bin, /var/lib/kubelet, ...).
HOST_DIRS=/run/weft-k8s/created-host-dirs
host_dirs_lock() { mkdir -p "${HOST_DIRS%/*}"; echo "${HOST_DIRS%/*}/host-dirs.lock"; }

# Removes the recorded host directories once no cluster on this machine is left (no wftk8s* namespace, whatever
# WEFT_K8S_RUNS the other run used), and only those still empty and mounted on nowhere.
remove_host_dirs() {
  (
    flock 9
    [[ -f $HOST_DIRS ]] || exit 0
    local others
    # (grep finds nothing when no other cluster is up: with pipefail that must not end 'down' here)
    others=$(ip netns list 2>/dev/null | awk '{print $1}' | { grep -E '^wftk8s[0-9a-f]{6}-' || true; } | sed 's/-[^-]*$//' | sort -u | tr '\n' ' ')
    if [[ -n $others ]]; then
      echo "cluster: host mount points kept for the cluster(s) still up: $others"
      exit 0
    fi
    local p kept=()
    while read -r p; do
      [[ -n $p ]] || continue
      if awk -v p="$p" '$5 == p { found = 1 } END { exit !found }' /proc/[0-9]*/mountinfo 2>/dev/null \
          || ! rmdir "$p" 2>/dev/null; then
        [[ -d $p ]] && kept+=("$p")
      fi
    done < <(tac "$HOST_DIRS")
    if ((${#kept[@]})); then printf '%s\n' "${kept[@]}" | tac > "$HOST_DIRS"; else rm -f "$HOST_DIRS"; fi
  ) 9> "$(host_dirs_lock)"
}

current_run() { [[ -L $RUNS/current ]] && basename "$(readlink "$RUNS/current")"; }
run_dir() { echo "$RUNS/$1"; }

# ---------------------------------------------------------------------------------------------- up
cmd_up() {
  local nodes=3 dual=1
  while (($#)); do
    case $1 in --nodes) nodes=$2; shift 2;; --ipv4-only) dual=0; shift;; *) die "unknown option $1";; esac
  done
  ((nodes >= 1 && nodes <= 9)) || die "--nodes must be 1..9"
  [[ $(id -u) == 0 ]] || die "needs root (network and mount namespaces, cgroups)"
  local miss=() c
  for c in etcd containerd containerd-shim-runc-v2 runc ctr openssl ip nsenter unshare iptables-restore flock; do
    command -v "$c" >/dev/null 2>&1 || miss+=("$c")
  done
  [[ -x /usr/lib/cni/loopback && -x /usr/lib/cni/portmap ]] || miss+=("/usr/lib/cni/{loopback,portmap}")
  ((${#miss[@]} == 0)) || die "missing: ${miss[*]} (run 'bin/setup --k8s' as root)"
  if [[ -n $(current_run) ]] && [[ -d $(run_dir "$(current_run)") ]]; then
    die "a cluster is already up (run $(current_run)); 'cluster.sh down' first"
  fi
  T0=$(date +%s)
  "$HERE/build-k8s.sh" >&2 || die "building Kubernetes failed"
  local k8s; k8s=$("$HERE/build-k8s.sh" --print)
  [[ -x $k8s/bin/kubelet ]] || die "no kubelet in $k8s"

  local run="wftk8s$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
  local R; R=$(run_dir "$run")
  mkdir -p "$R/logs" "$R/images" "$R/cp"
  ln -sfn "$R" "$RUNS/current"
  echo "$k8s" > "$R/k8s-dir"
  echo "$nodes" > "$R/node-count"
  # what Kubernetes is given, and what install-weft.sh gives Weft (WEFT_CLUSTER_RANGE)
  local svc_range=$SVC_RANGE pod_range=$POD_RANGE gates=() cidrs=(--allocate-node-cidrs=false)
  if ((dual)); then
    svc_range=$SVC_RANGE,$SVC_RANGE_V6 pod_range=$POD_RANGE,$POD_RANGE_V6 gates=(--feature-gates=IPv6DualStack=true)
    cidrs=(--allocate-node-cidrs=true --cluster-cidr="$pod_range"
           --node-cidr-mask-size-ipv4=$NODE_MASK_V4 --node-cidr-mask-size-ipv6=$NODE_MASK_V6)
  fi
  echo "$pod_range" > "$R/pod-range"
  UP_RUN=$run
  trap 'rc=$?; if ((rc)); then echo "cluster: up failed; tearing down run $UP_RUN (logs stay in $(run_dir "$UP_RUN"))" >&2; cmd_down "$UP_RUN" >&2; fi' EXIT
  log "run $run in $R, Kubernetes from $k8s"

  # -- images every node imports: the pause image (sandbox) plus whatever images/*.tar holds later
  cp "$k8s/images/pause.tar" "$R/images/pause.tar"

  # -- PKI
  local names=() i
  for ((i = 1; i <= nodes; i++)); do names+=("n$i"); done
  # shellcheck source=pki.sh
  source "$HERE/pki.sh"
  make_pki "$R/pki" "$CP_ADDR" "$SVC_KUBERNETES" "${names[@]}"

  # -- namespaces: underlay bridge, control plane, nodes (created inside namespaces, never in the host's)
  local u=$run-u
  ip netns add "$u"; echo "$u" >> "$R/netns"
  ip -n "$u" link set lo up
  ip -n "$u" link add br0 type bridge
  ip -n "$u" link set br0 up
  add_ns_on_underlay() { # <ns> <port name> <address>
    ip netns add "$1"; echo "$1" >> "$R/netns"
    ip -n "$1" link set lo up
    ip -n "$u" link add "$2" type veth peer name eth0 netns "$1"
    ip -n "$u" link set "$2" master br0 up
    ip -n "$1" addr add "$3/24" dev eth0
    ip -n "$1" link set eth0 up
  }
  add_ns_on_underlay "$run-cp" cp "$CP_ADDR"
  for ((i = 1; i <= nodes; i++)); do
    local ns=$run-n$i addr=192.0.2.$((10 + i))
    add_ns_on_underlay "$ns" "n$i" "$addr"
    # A node routes (pods, Services): forwarding on, and a default route like a real node's
    # (towards the control plane namespace, which forwards nothing: no traffic leaves the lab).
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
    ip -n "$ns" route add default via "$CP_ADDR"
    if ((dual)); then
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
      ip -n "$ns" -6 route add default dev eth0
    fi
  done

  # -- control plane
  local P=$R/pki cpx=(nsenter "--net=/run/netns/$run-cp")
  start_bg() { # <name> <command...>: started detached, pid recorded in cp/<name>.pid
    local n=$1; shift
    setsid "$@" > "$R/logs/$n.log" 2>&1 < /dev/null &
    echo $! > "$R/cp/$n.pid"
  }
  start_bg etcd "${cpx[@]}" etcd --name weft-test --data-dir "$R/cp/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster weft-test=http://127.0.0.1:2380 --listen-metrics-urls=http://127.0.0.1:2381
  start_bg kube-apiserver "${cpx[@]}" "$k8s/bin/kube-apiserver" \
    --etcd-servers=http://127.0.0.1:2379 \
    --bind-address=0.0.0.0 --advertise-address="$CP_ADDR" --secure-port=6443 --insecure-port=0 \
    --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" --client-ca-file="$P/ca.crt" \
    --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="$svc_range" "${gates[@]}" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --kubelet-client-certificate="$P/apiserver-kubelet-client.crt" --kubelet-client-key="$P/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP
  kc() { "${cpx[@]}" "$k8s/bin/kubectl" --kubeconfig="$P/admin.kubeconfig" "$@"; }
  local t
  for t in $(seq 240); do kc get --raw /readyz >/dev/null 2>&1 && break; sleep 0.5; done
  kc get --raw /readyz >/dev/null || die "kube-apiserver not ready after 120 s (see $R/logs/kube-apiserver.log)"
  log "kube-apiserver ready on https://$CP_ADDR:6443"
  start_bg kube-controller-manager "${cpx[@]}" "$k8s/bin/kube-controller-manager" \
    --kubeconfig="$P/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$P/controller-manager.kubeconfig" --authorization-kubeconfig="$P/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --port=0 --leader-elect=false \
    --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" --use-service-account-credentials=true \
    --cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
    --service-cluster-ip-range="$svc_range" "${gates[@]}" "${cidrs[@]}"
  start_bg kube-scheduler "${cpx[@]}" "$k8s/bin/kube-scheduler" --kubeconfig="$P/scheduler.kubeconfig" \
    --authentication-kubeconfig="$P/scheduler.kubeconfig" --authorization-kubeconfig="$P/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --port=0 --leader-elect=false

  # -- host paths each node overlays with its own directory: created empty if absent and recorded
  #    machine-wide (another cluster on this machine may mount on them too; see remove_host_dirs)
  (
    flock 9
    local p q made
    for p in "${NODE_PATHS[@]}"; do
      made=(); q=$p
      while [[ ! -e $q ]]; do made=("$q" "${made[@]}"); q=$(dirname "$q"); done
      for q in "${made[@]}"; do mkdir "$q"; echo "$q" >> "$HOST_DIRS"; done
    done
  ) 9> "$(host_dirs_lock)"

  # -- nodes
  for ((i = 1; i <= nodes; i++)); do
    local n=n$i N=$R/nodes/n$i addr=192.0.2.$((10 + i))
    mkdir -p "$N/logs" "$N/containerd"
    echo "$addr" > "$N/address"
    cp "$P/kubelet-$n.kubeconfig" "$N/kubelet.kubeconfig"
    printf '%s\n' "${NODE_PATHS[@]}" > "$N/bind-mounts"
    # The reference plugins a node's installer puts into /opt/cni/bin (loopback is used by containerd
    # for every pod; Weft's conflist chains portmap). Weft's init container adds its own.
    mkdir -p "$N/host/opt/cni/bin"; cp -a /usr/lib/cni/. "$N/host/opt/cni/bin/"
    # cgroup parent of this node's pods, in every v1 hierarchy (cpuset needs cpus/mems to admit tasks)
    local cg=weft-$run-$n h
    for h in /sys/fs/cgroup/*/; do
      [[ -e $h/cgroup.procs ]] || continue
      mkdir -p "$h$cg"
      if [[ -e $h/cpuset.cpus ]]; then cat "$h/cpuset.cpus" > "$h$cg/cpuset.cpus"; cat "$h/cpuset.mems" > "$h$cg/cpuset.mems"; fi
    done
    echo "/$cg" > "$N/cgroup"
    cat > "$N/containerd.toml" <<EOF
version = 2
root = "$N/containerd/root"
state = "$N/containerd/state"
oom_score = 0
[grpc]
  address = "$N/containerd/containerd.sock"
[ttrpc]
  address = "$N/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$N/containerd/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "k8s.gcr.io/pause:3.2"
    # root here lacks CAP_SYS_RESOURCE: kubelet's oom_score_adj -998 for sandboxes fails in runc
    restrict_oom_score_adj = true
    stream_server_address = "127.0.0.1"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"
      conf_dir = "/etc/cni/net.d"
EOF
    cat > "$N/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $addr
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $P/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
cgroupRoot: /$cg
failSwapOn: false
resolvConf: /etc/resolv.conf
serializeImagePulls: false
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
nodeStatusUpdateFrequency: 5s
featureGates: {IPv6DualStack: $( ((dual)) && echo true || echo false)}
EOF
    cat > "$N/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $P/kube-proxy.kubeconfig}
hostnameOverride: $n
bindAddress: $addr
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
mode: iptables
clusterCIDR: $pod_range
featureGates: {IPv6DualStack: $( ((dual)) && echo true || echo false)}
oomScoreAdj: 0
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
    setsid unshare --mount --propagation slave -- nsenter "--net=/run/netns/$run-$n" -- \
      "$HERE/node.sh" "$N" "$k8s/bin" > "$N/logs/node.log" 2>&1 < /dev/null &
    echo $! > "$N/node.pid"
    sleep 0.3
    readlink "/proc/$(cat "$N/node.pid")/ns/mnt" > "$N/mntns" 2>/dev/null || true
  done
  for ((i = 1; i <= nodes; i++)); do
    for t in $(seq 240); do kc get node "n$i" >/dev/null 2>&1 && break; sleep 0.5; done
    kc get node "n$i" >/dev/null 2>&1 || die "node n$i did not register in 120 s (see $R/nodes/n$i/logs)"
  done
  for t in $(seq 120); do kc -n default get sa default >/dev/null 2>&1 && break; sleep 0.5; done
  trap - EXIT
  log "cluster up: $nodes nodes registered (NotReady until a CNI plugin is installed)"
  kc get nodes -o wide
}

# -------------------------------------------------------------------------------------------- down
kill_wait() { # <pid...>: TERM, up to 5 s, KILL
  local p alive i
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for i in $(seq 50); do
    alive=0; for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || return 0; sleep 0.1
  done
  for p in "$@"; do kill -9 "$p" 2>/dev/null || true; done
}

cgroup_pids() { # every pid in a cgroup subtree (v1 hierarchy dir)
  [[ -d $1 ]] && find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u
}

stop_node() { # <run dir> <node dir>
  local R=$1 N=$2 p
  [[ -d $N ]] || return 0
  for p in kubelet kube-proxy; do [[ -f $N/$p.pid ]] && kill_wait "$(cat "$N/$p.pid")"; done
  local sock=$N/containerd/containerd.sock
  if [[ -S $sock ]]; then # stop the pods' tasks the way the runtime would, then containerd
    local t
    for t in $(timeout 10 ctr -a "$sock" -n k8s.io tasks ls -q 2>/dev/null); do timeout 10 ctr -a "$sock" -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
  fi
  [[ -f $N/containerd.pid ]] && kill_wait "$(cat "$N/containerd.pid")"
  # whatever is left in the node's cgroups (containers) or mount namespace (shims, node.sh) was
  # started for this node: kill it
  local cg pids=() ns
  cg=$(cat "$N/cgroup" 2>/dev/null || true)
  if [[ -n $cg ]]; then
    for p in $(cgroup_pids "/sys/fs/cgroup/pids$cg") $(cgroup_pids "/sys/fs/cgroup/memory$cg"); do pids+=("$p"); done
  fi
  ns=$(cat "$N/mntns" 2>/dev/null || true)
  if [[ -n $ns ]]; then
    for p in /proc/[0-9]*; do [[ $(readlink "$p/ns/mnt" 2>/dev/null) == "$ns" ]] && pids+=("${p#/proc/}"); done
  fi
  [[ -f $N/node.pid ]] && pids+=("$(cat "$N/node.pid")")
  ((${#pids[@]})) && kill_wait "${pids[@]}"
  if [[ -n $cg ]]; then
    local h
    for h in /sys/fs/cgroup/*/; do
      [[ -d $h${cg#/} ]] && find "$h${cg#/}" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
  fi
  rm -f "$N"/*.pid
}

cmd_down() {
  local runs=()
  if [[ ${1:-} == --all ]]; then
    local d; for d in "$RUNS"/wftk8s*; do [[ -d $d ]] && runs+=("$(basename "$d")"); done
  elif (($#)); then runs=("$@")
  else local c; c=$(current_run || true); [[ -n $c ]] && runs=("$c"); fi
  ((${#runs[@]})) || { echo "cluster: nothing to remove"; remove_host_dirs; return 0; }
  local run R N p ns
  for run in "${runs[@]}"; do
    [[ $run =~ ^wftk8s[0-9a-f]{6}$ ]] || die "not a run id: $run"
    R=$(run_dir "$run")
    for N in "$R"/nodes/*/; do [[ -d $N ]] && stop_node "$R" "${N%/}"; done
    for p in kube-scheduler kube-controller-manager kube-apiserver etcd; do
      [[ -f $R/cp/$p.pid ]] && kill_wait "$(cat "$R/cp/$p.pid")" && rm -f "$R/cp/$p.pid"
    done
    # anything else still running in this run's namespaces was started by us: stop it, then delete them
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$run-" || true); do
      local left; left=$(ip netns pids "$ns" 2>/dev/null || true)
      [[ -n $left ]] && kill_wait $left
      ip netns del "$ns" 2>/dev/null || true
    done
    rm -f "$R/created-host-dirs"   # (older runs' own list: no longer used, see remove_host_dirs)
    remove_host_dirs
    # keep logs, drop the bulky state (images, etcd)
    for N in "$R"/nodes/*/; do   # keep the pods' logs (host/var/log/pods), drop the rest
      [[ -d $N/host ]] && find "$N/host" -mindepth 1 -maxdepth 1 ! -name var -exec rm -rf {} +
      rm -rf "$N/host/var/lib"
    done
    rm -rf "$R"/nodes/*/containerd "$R/cp/etcd" "$R/images"
    [[ $(readlink "$RUNS/current" 2>/dev/null) == "$R" ]] && rm -f "$RUNS/current"
    echo "cluster: removed $run (logs in $R)"
  done
}

# ------------------------------------------------------------------------------------------- tools
need_current() { local c; c=$(current_run || true); [[ -n $c ]] || die "no cluster is up (cluster.sh up)"; echo "$c"; }

cmd_kubectl() {
  local run R; run=$(need_current); R=$(run_dir "$run")
  exec nsenter "--net=/run/netns/$run-cp" "$(cat "$R/k8s-dir")/bin/kubectl" --kubeconfig="$R/pki/admin.kubeconfig" "$@"
}

cmd_env() {
  local run R; run=$(need_current); R=$(run_dir "$run")
  echo "WEFT_K8S_RUN=$run"
  echo "WEFT_K8S_RUN_DIR=$R"
  echo "WEFT_K8S_BIN=$(cat "$R/k8s-dir")/bin"
  echo "WEFT_K8S_NODES=$(cat "$R/node-count")"
  echo "WEFT_K8S_POD_RANGE=$(cat "$R/pod-range" 2>/dev/null || echo "$POD_RANGE")"
}

cmd_node_exec() { # <node> <cmd...>: in the node's network and mount namespaces (sees its /run/weft etc.)
  local run R n=$1; shift; run=$(need_current); R=$(run_dir "$run")
  local pid; pid=$(cat "$R/nodes/$n/node.pid" 2>/dev/null) || die "no node $n"
  exec nsenter -t "$pid" -m -n -- "$@"
}

cmd_stop_node() { # the node's processes stop as if it were switched off; its namespace and files stay
  local run R n=$1; run=$(need_current); R=$(run_dir "$run")
  [[ -d $R/nodes/$n ]] || die "no node $n"
  stop_node "$R" "$R/nodes/$n"
  echo "cluster: node $n stopped (kubelet, kube-proxy, pods, containerd)"
}

cmd=${1:-}; shift || true
case $cmd in
  up) cmd_up "$@";;
  down) cmd_down "$@";;
  kubectl) cmd_kubectl "$@";;
  env) cmd_env;;
  node-exec) cmd_node_exec "$@";;
  stop-node) cmd_stop_node "$@";;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2;;
esac
