#!/usr/bin/env bash
# demo.sh start|stop MORTAR_BIN DEMO_DIR — the `make demo` job: three brick
# servers on loopback (127.0.0.1:7501-7503), one volume distributed over
# them, mounted at DEMO_DIR/mnt. State, bricks and logs live in DEMO_DIR.
set -euo pipefail
cmd=${1:?start|stop}; bin=${2:?mortar binary}; dir=${3:?demo dir}
mnt=$dir/mnt
ports=(7501 7502 7503)

stop() {
  if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt" 2>/dev/null || umount -l "$mnt"; fi
  for i in 0 1 2; do
    pidf=$dir/brickd$((i + 1)).pid
    if [ -f "$pidf" ]; then kill "$(cat "$pidf")" 2>/dev/null || true; rm -f "$pidf"; fi
  done
}

wait_port() { # host port
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "brick server on $1:$2 did not come up; see $dir/brickd*.log" >&2
  return 1
}

start() {
  [ "$(id -u)" = 0 ] || { echo "make demo needs root (FUSE mount, trusted.* xattrs)" >&2; exit 1; }
  [ -e /dev/fuse ] || modprobe fuse 2>/dev/null || true
  [ -e /dev/fuse ] || { echo "/dev/fuse is missing" >&2; exit 1; }
  stop
  mkdir -p "$mnt"
  bricks=()
  for i in 0 1 2; do
    n=$((i + 1))
    mkdir -p "$dir/bricks/b$n"
    setsid "$bin" brickd --listen "127.0.0.1:${ports[$i]}" --brick "b$n=$dir/bricks/b$n" \
      --log-file "$dir/brickd$n.log" </dev/null >/dev/null 2>&1 &
    echo $! > "$dir/brickd$n.pid"
    bricks+=("127.0.0.1:${ports[$i]}/b$n")
  done
  for p in "${ports[@]}"; do wait_port 127.0.0.1 "$p"; done
  "$bin" mount --volume demo --bricks "$(IFS=,; echo "${bricks[*]}")" -o "log-file=$dir/mount.log" "$mnt"
  cat <<MSG
mortar demo: volume "demo" over 3 bricks is mounted at $mnt
  bricks:  $dir/bricks/b1 b2 b3 (served on 127.0.0.1:7501-7503)
  logs:    $dir/*.log
Try:
  cp -r /usr/share/doc/bash $mnt/ && ls -l $mnt/bash
  ls $dir/bricks/*/bash          # each file lives on one brick
  df -h $mnt
Stop with: make demo-stop
MSG
}

case "$cmd" in
  start) start ;;
  stop) stop; echo "mortar demo stopped" ;;
  *) echo "usage: demo.sh start|stop MORTAR_BIN DEMO_DIR" >&2; exit 2 ;;
esac
