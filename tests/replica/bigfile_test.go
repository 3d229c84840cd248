package replica

import (
	"testing"
	"time"

	"github.com/mortarfs/mortar/tests/cluster"
)

// writeBound bounds the whole 1 GiB write on a loaded CI machine.
const writeBound = 5 * time.Minute

// TestKillBrickDuringBigWrite kills -9 the second brick of a replica-3 set
// a quarter into writing a 1 GiB file, restarts it halfway while the writer
// goes on, and requires: no error for the writer; heal to completion; the
// file byte-identical on every brick and through the mount.
func TestKillBrickDuringBigWrite(t *testing.T) {
	size := int64(1 << 30)
	if testing.Short() {
		size = 128 << 20
	}
	v := startVolume(t, 3, 3, 0)
	mnt := v.Mount(t)
	const seed = 1
	victim := v.Bricks[1]

	w := startChild(t, "writer of /big", job{Write: &writeJob{Path: mnt + "/big", Size: size, Seed: seed}})
	w.waitProgress(size/4, writeBound)
	victim.Kill()
	t.Logf("killed brick %s at %d MiB written", victim.Name, w.progress.Load()>>20)
	w.waitProgress(size/2, writeBound)
	victim.Restart()
	t.Logf("restarted brick %s at %d MiB written", victim.Name, w.progress.Load()>>20)
	res := w.wait(writeBound).Write
	if res.Errno != "" {
		t.Fatalf("the writer failed at %s after %d bytes: %s (a replica-3 set with one brick down must go on)", res.Stage, res.Written, res.Errno)
	}
	want := streamSHA(seed, size)
	if res.SHA256 != want {
		t.Fatalf("the writer wrote %s, want %s (test bug)", res.SHA256, want)
	}

	v.HealUntilClean(t, healBound)
	m := runChild(t, "reading /big back", job{Manifest: mnt}, writeBound).Manifest
	if e := m["big"]; e.Size != size || e.SHA256 != want {
		t.Errorf("through the mount after heal: /big is %d bytes, sha256 %.12s; want %d bytes, %.12s", e.Size, e.SHA256, size, want)
	}
	cluster.Unmount(t, mnt)
	for _, b := range v.Bricks {
		if got, err := hashFile(onBrick(b, "big")); err != nil || got != want {
			t.Errorf("brick %s: big has sha256 %.12s (%v), want %.12s", b.Name, got, err, want)
		}
	}
	requireIdentical(t, v)
}
