#!/usr/bin/env bash
# Brings up a sandboxed W&B Server on this machine: one systemd container
# "host" (172.29.40.10 on the owt-demo network), then site.yml against it.
# Uses the real wandb/local image when it can be pulled, the project's
# contract fixture (a test double) otherwise. Re-running converges again.
# Tear down with demo/down.sh (make demo-destroy).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

name=owt-demo
net=owt-demo
subnet=172.29.40.0/24
addr=172.29.40.10
label=onprem.wandb.demo=true
version=${WANDB_DEMO_VERSION:-0.83.0}
host_image=onprem-wandb-test/debian:12
state=$top/.cache/demo

say() { printf '\n[demo] %s\n' "$*" >&2; }
banner() {
  printf '\n%s\n' "################################################################################" >&2
  for line in "$@"; do printf '## %s\n' "$line" >&2; done
  printf '%s\n\n' "################################################################################" >&2
}

export ANSIBLE_COLLECTIONS_PATH=$top/collections ANSIBLE_CONFIG=$top/ansible.cfg
if [ -x "$top/.venv/bin/ansible-playbook" ]; then
  export PATH=$top/.venv/bin:$PATH
fi
command -v ansible-playbook >/dev/null || { say "ansible-playbook not found: run make venv"; exit 1; }
docker image inspect "$host_image" >/dev/null 2>&1 || { say "$host_image missing: run make images"; exit 1; }

mkdir -p "$state"
chmod 0700 "$state"

# The image: the real one if this machine can pull it, else the fixture.
if docker image inspect "wandb/local:$version" >/dev/null 2>&1 ||
  timeout 120 docker pull "wandb/local:$version" >/dev/null 2>&1; then
  registry=docker.io
  image=wandb/local:$version
  archive=$state/wandb-local-$version.tar
  say "using the real image $image"
  if [ ! -s "$archive" ] || [ "$(cat "$archive.id" 2>/dev/null)" != "$(docker image inspect -f '{{.Id}}' "$image")" ]; then
    docker save "$image" -o "$archive"
    docker image inspect -f '{{.Id}}' "$image" >"$archive.id"
  fi
else
  registry=fixture.test
  archive=$top/.cache/fixture/wandb-local-$version.tar
  [ -s "$archive" ] || "$top/tests/fixture/build.sh"
  banner "wandb/local:$version CANNOT BE PULLED FROM THIS MACHINE." \
    "THE DEMO RUNS THE PROJECT'S CONTRACT FIXTURE INSTEAD: A TEST DOUBLE THAT" \
    "ANSWERS /healthz, /ready AND CHECKS THE CONFIGURATION. IT IS NOT W&B:" \
    "THERE IS NO W&B UI OR API BEHIND THIS URL."
fi

# Secrets: random, made once, kept only in .cache/demo (0600).
secrets=$state/secrets.yml
if [ ! -s "$secrets" ]; then
  umask 077
  {
    echo "---"
    echo "wandb_mysql_password: \"$(openssl rand -hex 16)\""
    echo "wandb_redis_password: \"$(openssl rand -hex 16)\""
  } >"$secrets"
fi
# Demos made before the Redis CA key was encrypted have no passphrase yet.
if ! grep -q '^wandb_redis_tls_ca_passphrase:' "$secrets"; then
  (umask 077 && echo "wandb_redis_tls_ca_passphrase: \"$(openssl rand -hex 16)\"" >>"$secrets")
fi
umask 077
cat >"$state/vars.yml" <<EOV
---
wandb_server_version: "$version"
wandb_server_image_registry: $registry
wandb_server_image_archive: $archive
wandb_server_image_id: $(cat "$archive.id")
wandb_server_license: "{{ lookup('ansible.builtin.env', 'WANDB_DEMO_LICENSE') }}"
EOV
# A real license from the environment; W&B without one runs with limits.
export WANDB_DEMO_LICENSE=${WANDB_LICENSE:-demo-no-license}

if ! docker network inspect "$net" >/dev/null 2>&1; then
  say "creating network $net ($subnet)"
  docker network create --subnet "$subnet" --label "$label" "$net" >/dev/null
fi
if ! docker container inspect "$name" >/dev/null 2>&1; then
  say "starting the demo host $name ($addr)"
  docker run -d --name "$name" --hostname "$name" --label "$label" \
    --network "$net" --ip "$addr" \
    --cap-add SYS_ADMIN --cap-add NET_ADMIN --security-opt seccomp=unconfined \
    --tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v /var/lib/docker \
    --cgroupns host "$host_image" /lib/systemd/systemd >/dev/null
elif [ "$(docker container inspect -f '{{.State.Running}}' "$name")" != true ]; then
  docker start "$name" >/dev/null
fi

say "waiting for systemd in $name"
for _ in $(seq 1 60); do
  s=$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)
  case $s in running | degraded) break ;; esac
  sleep 1
done
# Right after boot apt cannot check signatures yet; systemd is up now.
docker exec "$name" apt-get update -qq >/dev/null

say "running site.yml"
t0=$(date +%s)
ansible-playbook -i demo/inventory.yml site.yml -e "@$state/vars.yml" -e "@$secrets"
say "site.yml took $(($(date +%s) - t0)) s"

# Check from this machine, trusting only the demo's own certificate.
docker cp "$name:/etc/wandb/tls/wandb.crt" "$state/wandb.crt" >/dev/null
url=https://$addr/
ok=0
for path in healthz ready; do
  code=$(curl -sS -o "$state/$path.out" -w '%{http_code}' --cacert "$state/wandb.crt" "$url$path" || true)
  printf '[demo] GET %s%s -> %s %s\n' "$url" "$path" "$code" "$(head -c 80 "$state/$path.out" 2>/dev/null | tr -d '\n')"
  [ "$code" = 200 ] || ok=1
done
[ "$registry" = fixture.test ] && say "REMINDER: this is the contract fixture, not W&B."
echo
echo "URL: $url   (CA: $state/wandb.crt; tear down with make demo-destroy)"
exit $ok
