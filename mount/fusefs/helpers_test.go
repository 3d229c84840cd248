package fusefs

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fusefs/internal/memvol"
)

// requireFuse skips the test unless it can mount (root and /dev/fuse);
// with MORTAR_REQUIRE_FUSE=1 (CI) a missing prerequisite fails it.
func requireFuse(t *testing.T) {
	t.Helper()
	reason := ""
	if os.Geteuid() != 0 {
		reason = "not root"
	} else if f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0); err != nil {
		reason = "cannot open /dev/fuse: " + err.Error()
	} else {
		f.Close()
	}
	if reason == "" {
		return
	}
	if os.Getenv("MORTAR_REQUIRE_FUSE") == "1" {
		t.Fatalf("FUSE test cannot run (%s) and MORTAR_REQUIRE_FUSE=1", reason)
	}
	t.Skipf("FUSE test skipped: %s (needs root and /dev/fuse)", reason)
}

// testOptions are short-cache options; tests about caching set their own.
func testOptions() Options {
	o := DefaultOptions()
	o.FsName = "memvol"
	return o
}

// mountVol mounts a fresh memvol in a temporary directory; the mount goes
// away when the test ends.
func mountVol(t *testing.T, opts Options) (string, *memvol.Vol) {
	t.Helper()
	dir, vol, _ := mountVolState(t, opts)
	return dir, vol
}

// mountVolState is mountVol that also returns the mount's state.
func mountVolState(t *testing.T, opts Options) (string, *memvol.Vol, *mount) {
	t.Helper()
	requireFuse(t)
	vol := memvol.New()
	dir := t.TempDir()
	srv, m, err := mountVolume(dir, vol, opts)
	if err != nil {
		t.Fatalf("Mount: %v", err)
	}
	t.Cleanup(func() { unmount(t, srv, dir) })
	return dir, vol, m
}

func unmount(t *testing.T, srv *fuse.Server, dir string) {
	var err error
	for i := 0; i < 50; i++ {
		if err = srv.Unmount(); err == nil {
			srv.Wait()
			return
		}
		time.Sleep(20 * time.Millisecond) // EBUSY: a release may still be on its way
	}
	t.Errorf("unmount %s: %v; detaching", dir, err)
	_ = syscall.Unmount(dir, syscall.MNT_DETACH)
	srv.Wait()
}

// eventually polls cond until it holds or the bound passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5s: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func wantErrno(t *testing.T, what string, err error, want syscall.Errno) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
