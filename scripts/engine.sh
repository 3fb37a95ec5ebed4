#!/usr/bin/env bash
# Makes sure a real Docker Engine answers on the local socket, in Swarm mode, with moor's local test
# image present. Idempotent: every step is skipped when its result is already there.
#
#   1. installs Debian's docker.io and busybox-static with apt-get when they are missing (needs root),
#      and docker-registry + apache2-utils (htpasswd) for the image pull tests' local registry;
#   2. starts dockerd fully detached (setsid, no inherited stdio) when no Engine answers;
#   3. runs `docker swarm init --advertise-addr 127.0.0.1` when Swarm is inactive;
#   4. imports the image moor/busybox:latest from a root filesystem holding the static busybox
#      (there is no registry here: sleep, sh, cat, env, httpd, wget... come from busybox applets).
#
# Honours MOOR_ENGINE_LOG (default /var/log/moor-dockerd.log). Talks to the default socket only.
set -euo pipefail

SOCKET=/var/run/docker.sock
LOG=${MOOR_ENGINE_LOG:-/var/log/moor-dockerd.log}
IMAGE=${MOOR_TEST_IMAGE:-moor/busybox:latest}

say() { printf 'engine: %s\n' "$*" >&2; }
die() { printf 'engine: error: %s\n' "$*" >&2; exit 1; }

# Ask the socket directly (no docker CLI needed) whether an Engine answers.
engine_answers() {
  node -e '
    const req = require("node:http").request({ socketPath: process.argv[1], path: "/_ping", timeout: 2000 }, (res) => {
      process.exit(res.statusCode === 200 ? 0 : 1);
    });
    req.on("error", () => process.exit(1));
    req.on("timeout", () => { req.destroy(); process.exit(1); });
    req.end();
  ' "$SOCKET" 2>/dev/null
}

need_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (run as root, or start a Docker Engine yourself)"
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root "installing ${missing[*]}"
  say "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # policy-rc.d may forbid starting services from the package: we start dockerd ourselves below.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" iptables >/dev/null
}

start_engine() {
  engine_answers && return 0
  need_root "starting dockerd"
  say "no Engine answers on $SOCKET: starting dockerd (log: $LOG)"
  # Fully detached: a background process that keeps CI's output pipe open would hang CI.
  setsid dockerd >"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    engine_answers && { say "dockerd is up"; return 0; }
    sleep 0.5
  done
  tail -n 30 "$LOG" >&2 || true
  die "dockerd did not answer on $SOCKET within 60s (see $LOG)"
}

ensure_swarm() {
  local state
  state=$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown)
  case "$state" in
    active) ;;
    inactive)
      say "initialising a single-node Swarm"
      docker swarm init --advertise-addr 127.0.0.1 >/dev/null
      ;;
    *) die "Swarm is '$state' on this Engine; expected active or inactive" ;;
  esac
}

ensure_image() {
  docker image inspect "$IMAGE" >/dev/null 2>&1 && return 0
  say "importing $IMAGE from /bin/busybox"
  local root
  root=$(mktemp -d)
  trap 'rm -rf "$root"' RETURN
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root" "$root/var/www"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'moor test page\n' >"$root/var/www/index.html"
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' -c 'LABEL io.moor.test-image=busybox' \
    - "$IMAGE" >/dev/null
}

install_packages
start_engine
ensure_swarm
ensure_image
say "ready: $(docker version --format 'Engine {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null), Swarm active, image $IMAGE"
