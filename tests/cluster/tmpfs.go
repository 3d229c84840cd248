package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// tmpfsUnmountBound is how long unmounting a brick's tmpfs is retried
// while something still holds it.
const tmpfsUnmountBound = 15 * time.Second

// StartBrickOnTmpfs starts a brick like StartBrick, with its directory on
// a tmpfs of size bytes of its own, for disk-full tests: writes to the
// brick fail with ENOSPC once it is full. The tmpfs is unmounted after
// the brick server is stopped, when the test ends.
func StartBrickOnTmpfs(t testing.TB, name string, size int64) *Brick {
	t.Helper()
	base := TempDir(t)
	fs := filepath.Join(base, name+"-tmpfs")
	if err := os.Mkdir(fs, 0o755); err != nil {
		t.Fatal(err)
	}
	mountTmpfs(t, fs, size) // registered before the brick's own cleanup, so it runs after it
	return startBrickIn(t, name, filepath.Join(fs, name), filepath.Join(base, name+".log"))
}

// mountTmpfs mounts a tmpfs of size bytes on dir and unmounts it when the
// test ends (after the cleanups registered later, which run first).
func mountTmpfs(t testing.TB, dir string, size int64) {
	t.Helper()
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		t.Fatalf("mount -t tmpfs -o size=%d %s: %v", size, dir, err)
	}
	t.Cleanup(func() {
		var err error
		if !waitFor(tmpfsUnmountBound, func() bool {
			err = unix.Unmount(dir, 0)
			return err == nil || err == unix.EINVAL
		}) {
			t.Errorf("unmounting the tmpfs at %s: %v: detaching it", dir, err)
			_ = unix.Unmount(dir, unix.MNT_DETACH)
		}
	})
}
