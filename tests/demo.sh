#!/usr/bin/env bash
# demo.sh start|stop MORTAR_BIN DEMO_DIR — the `make demo` job: three
# `mortar daemon`s on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (port 7420, gossip
# 7421) probed into one pool, a replica-3 volume "demo" with one brick on
# each, mounted at DEMO_DIR/mnt. State, bricks and logs live in DEMO_DIR;
# `make demo` again starts whatever is not running (a peer killed, or all
# of them after `make demo-stop`) from that state: the same pool, volume
# and data.
set -euo pipefail
cmd=${1:?start|stop}; bin=${2:?mortar binary}; dir=${3:?demo dir}
mnt=$dir/mnt
hosts=(127.0.0.1 127.0.0.2 127.0.0.3)

cli() { # peer-index args... — the CLI on that peer's socket
  local i=$1; shift
  "$bin" "$@" --socket "$dir/peer$i/mortar.sock"
}

stop() {
  if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt" 2>/dev/null || umount -l "$mnt"; fi
  for i in 1 2 3; do
    pidf=$dir/peer$i/daemon.pid
    [ -f "$pidf" ] || continue
    pid=$(cat "$pidf")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidf"
  done
}

wait_until() { # what command... — retry for 30 s
  local what=$1; shift
  for _ in $(seq 1 150); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "mortar demo: $what did not happen within 30 s; logs are in $dir/peer*/daemon.log" >&2
  return 1
}

running() { # peer-index — its daemon is alive
  local pidf=$dir/peer$1/daemon.pid
  [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null
}

# protojson varies its spacing on purpose: match with " *".
connected() { # peer-index n — that peer lists n connected peers
  [ "$(cli "$1" pool list --json | grep -Ec '"state": *"Connected"')" = "$2" ]
}

online() { # the three bricks of demo are served
  [ "$(cli 1 volume status demo --json | grep -Ec '"online": *true')" = 3 ]
}

start() {
  [ "$(id -u)" = 0 ] || { echo "make demo needs root (FUSE mount, trusted.* xattrs on the bricks)" >&2; exit 1; }
  [ -e /dev/fuse ] || modprobe fuse 2>/dev/null || true
  [ -e /dev/fuse ] || { echo "/dev/fuse is missing: load the fuse module" >&2; exit 1; }
  mkdir -p "$mnt" "$dir/bricks"
  for i in 1 2 3; do
    mkdir -p "$dir/peer$i"
    running "$i" && continue
    setsid "$bin" daemon --listen "${hosts[$((i - 1))]}" --state-dir "$dir/peer$i" \
      --socket "$dir/peer$i/mortar.sock" --log-file "$dir/peer$i/daemon.log" </dev/null >>"$dir/peer$i/daemon.out" 2>&1 &
    echo $! > "$dir/peer$i/daemon.pid"
  done
  for i in 1 2 3; do wait_until "daemon $i answering on its socket" cli "$i" pool list; done

  if ! cli 1 volume info demo >/dev/null 2>&1; then
    cli 1 peer probe 127.0.0.2
    cli 1 peer probe 127.0.0.3
    for i in 1 2 3; do wait_until "peer $i to see the pool of three" connected "$i" 3; done
    # The bricks are plain directories under ./demo, most likely on the
    # root filesystem: force says that is meant (never do it in production).
    cli 1 volume create demo replica 3 \
      "127.0.0.1:$dir/bricks/b1" "127.0.0.2:$dir/bricks/b2" "127.0.0.3:$dir/bricks/b3" force
    cli 1 volume start demo
  else
    for i in 1 2 3; do wait_until "peer $i to see the pool of three" connected "$i" 3; done
  fi
  wait_until "the three bricks of demo to come online" online
  mountpoint -q "$mnt" || "$bin" mount -o "backup-volfile-servers=127.0.0.2:127.0.0.3,log-file=$dir/mount.log" 127.0.0.1:/demo "$mnt"
  cat <<MSG

mortar demo: a pool of three peers (127.0.0.1, 127.0.0.2, 127.0.0.3) serving
the replica-3 volume "demo", mounted at $mnt
  bricks:  $dir/bricks/b1 b2 b3 (one per peer: every file has three copies)
  state:   $dir/peer1 peer2 peer3 (raft log, pool key, daemon.log)
Try:
  echo hello > $mnt/hello && ls -l $dir/bricks/*/hello
  $bin pool list --remote-host 127.0.0.1
  $bin volume status demo --remote-host 127.0.0.1
  kill \$(cat $dir/peer3/daemon.pid)     # a peer dies: the mount goes on
  cp -r /usr/share/doc/bash $mnt/ && $bin volume heal demo info --remote-host 127.0.0.1
  make demo                              # starts peer 3 again; heal info drains to zero
Stop with: make demo-stop   (state stays in $dir; rm -rf it to start afresh)
MSG
}

case "$cmd" in
  start) start ;;
  stop) stop; echo "mortar demo stopped" ;;
  *) echo "usage: demo.sh start|stop MORTAR_BIN DEMO_DIR" >&2; exit 2 ;;
esac
