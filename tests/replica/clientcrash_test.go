package replica

import (
	"testing"
	"time"

	"github.com/mortarfs/mortar/tests/cluster"
)

// lockReleaseBound: a crashed client's locks must go with its connections,
// which the kernel closes at once.
const lockReleaseBound = 10 * time.Second

// TestClientCrash kills -9 a mount daemon while an application writes a
// file through it holding an fcntl lock: the transaction it had open (its
// inode locks and pending marks on the bricks) dies with it. Another
// mount must then lock and write the same file promptly (the crashed
// client's locks were released), and heal must clear the marks it left and
// make the replicas identical.
func TestClientCrash(t *testing.T) {
	v := startVolume(t, 3, 3, 0)
	m1 := v.Mount(t)
	const size = 512 << 20
	w := startChild(t, "writer through the doomed mount", job{Write: &writeJob{Path: m1 + "/f", Size: size, Seed: 3, Lock: true}})
	w.waitProgress(32<<20, writeBound)
	if w.exited() {
		t.Fatalf("the writer ended before the crash: %+v", w.wait(time.Second).Write)
	}
	cluster.KillMount(t, m1)
	t.Logf("killed the mount daemon at %d MiB written", w.progress.Load()>>20)
	if res := w.wait(stallBound + 15*time.Second).Write; res.Errno == "" {
		t.Errorf("the writer saw no error though its mount died")
	}
	cluster.Unmount(t, m1)
	for _, b := range v.Bricks {
		if pending, err := cluster.PendingTree(b.Dir); err == nil {
			t.Logf("brick %s after the crash: %v", b.Name, pending)
		}
	}

	m2 := v.Mount(t)
	start := time.Now()
	var last opResult
	if !waitCond(lockReleaseBound, func() bool {
		last = doBounded(t, "lock /f through another mount", opLock(m2+"/f"))
		return last.Errno == ""
	}) {
		t.Errorf("another mount could not lock /f for %v after the client holding it died: %v", lockReleaseBound, last)
	}
	last = doBounded(t, "write /f through another mount", opPwrite(m2+"/f", 0, []byte("second mount")))
	if last.Errno != "" {
		t.Errorf("writing /f through another mount after the crash: %v", last)
	} else if took := time.Since(start); took > lockReleaseBound {
		t.Errorf("locking and writing /f through another mount took %v after the crash; want under %v", took, lockReleaseBound)
	}
	settle(t, v, m2)
}
