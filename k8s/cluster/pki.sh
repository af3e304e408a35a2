#!/usr/bin/env bash
# Self-signed PKI and kubeconfigs for the local cluster (sourced by cluster.sh; not run alone).
#   make_pki <dir> <apiserver address> <service ip> <node names...>
# Makes: CA, apiserver serving cert, client certs (admin, kube-apiserver -> kubelet, controller-manager,
# scheduler, kube-proxy, one kubelet per node as system:node:<name> so NodeRestriction applies), the
# service-account key pair, and a kubeconfig per client. Kubelets make their own serving certs (the
# API server does not verify them without --kubelet-certificate-authority).

make_pki() {
  local d=$1 api=$2 svc=$3; shift 3
  mkdir -p "$d"
  (
    cd "$d"
    openssl genrsa -out ca.key 2048 2>/dev/null
    openssl req -x509 -new -nodes -key ca.key -subj "/CN=weft-test-cluster-ca" -days 30 -out ca.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    pki_cert apiserver "/CN=kube-apiserver" \
      "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$api,IP:$svc"
    pki_cert admin "/O=system:masters/CN=weft-test-admin"
    pki_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
    pki_cert controller-manager "/CN=system:kube-controller-manager"
    pki_cert scheduler "/CN=system:kube-scheduler"
    pki_cert kube-proxy "/CN=system:kube-proxy"
    local n
    for n in "$@"; do pki_cert "kubelet-$n" "/O=system:nodes/CN=system:node:$n"; done
    for n in admin controller-manager scheduler kube-proxy; do pki_kubeconfig "$n" "$api"; done
    for n in "$@"; do pki_kubeconfig "kubelet-$n" "$api"; done
    rm -f ./*.csr ./*.ext ca.srl
  )
}

pki_cert() { # <name> <subject> [server SANs]
  local n=$1 subj=$2 san=${3:-}
  openssl genrsa -out "$n.key" 2048 2>/dev/null
  openssl req -new -key "$n.key" -subj "$subj" -out "$n.csr" 2>/dev/null
  if [[ -n $san ]]; then
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$san" > "$n.ext"
  else
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' > "$n.ext"
  fi
  openssl x509 -req -in "$n.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile "$n.ext" -out "$n.crt" 2>/dev/null
}

pki_kubeconfig() { # <cert name> <apiserver address>
  cat > "$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- cluster: {certificate-authority: $PWD/ca.crt, server: "https://$2:6443"}
  name: weft-test
users:
- name: $1
  user: {client-certificate: $PWD/$1.crt, client-key: $PWD/$1.key}
contexts:
- context: {cluster: weft-test, user: $1}
  name: weft-test
current-context: weft-test
EOF
}
