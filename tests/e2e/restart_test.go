package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mortarfs/mortar/tests/cluster"
)

// fullState is statesOf plus every option of the volume name, as
// `volume get NAME all --json` prints them on each peer.
func fullState(t *testing.T, ds []*cluster.Daemon, name string) []string {
	t.Helper()
	var out []string
	for _, s := range statesOf(t, ds) {
		out = append(out, s.pool+s.volumes)
	}
	for i, d := range ds {
		out[i] += d.MustCLI(t, "volume", "get", name, "all", "--json")
	}
	return out
}

// TestPoolRestartAll stops every daemon of the pool at once — one by
// kill -9, two cleanly — and starts them again in another order: the pool,
// the volume and its options come back as they were on every peer, the
// bricks come online, and a mount made before reconnects by itself (no
// remount), serves the old data, takes new writes and still follows
// volume set.
func TestPoolRestartAll(t *testing.T) {
	cluster.InstallHelper(t)
	ds := newReplica3(t, "www")
	for _, kv := range [][2]string{
		{"performance.entry-timeout", "3"},
		{"auth.allow", "127.*"},
		{"cluster.favorite-child-policy", "mtime"},
	} {
		ds[0].MustCLI(t, "volume", "set", "www", kv[0], kv[1])
	}
	m1 := mountType(t, ds[1].Addr()+":/www", "backup-volfile-servers="+ds[2].Addr())
	page := []byte("<h1>before the restart</h1>\n")
	if err := os.WriteFile(filepath.Join(m1, "index.html"), page, 0o644); err != nil {
		t.Fatal(err)
	}
	before := fullState(t, ds, "www")

	ds[0].Kill()
	ds[1].Stop()
	ds[2].Stop()
	for _, i := range []int{2, 0, 1} {
		ds[i].Restart()
	}
	for _, d := range ds {
		cluster.WaitPool(t, d, 3, poolBound)
	}
	cluster.WaitBricksOnline(t, ds[0], "www", 3, poolBound)
	after := fullState(t, ds, "www")
	for i := range ds {
		if after[i] != before[i] {
			t.Errorf("%s after the restart of every daemon:\n%s\nbefore:\n%s", ds[i], after[i], before[i])
		}
	}

	n := 0
	cluster.WaitFor(t, remountWait, "the mount made before the restart to take writes again", func() bool {
		n++
		return os.WriteFile(filepath.Join(m1, fmt.Sprintf("after%d", n)), fileContent(n), 0o644) == nil
	})
	if got, err := os.ReadFile(filepath.Join(m1, "index.html")); err != nil || !bytes.Equal(got, page) {
		t.Errorf("file written before the restart: %q, %v", got, err)
	}

	// The volfile watch is back too: a quorum asking for all three
	// bricks reaches the mount, which then refuses writes with one down.
	ds[0].MustCLI(t, "volume", "set", "www", "cluster.quorum-count", "3")
	ds[0].MustCLI(t, "volume", "set", "www", "cluster.quorum-type", "fixed")
	ds[2].Stop()
	cluster.WaitFor(t, stallBound, "writes refused with a peer down once quorum-count is 3", func() bool {
		n++
		return os.WriteFile(filepath.Join(m1, fmt.Sprintf("after%d", n)), fileContent(n), 0o644) != nil
	})
	ds[0].MustCLI(t, "volume", "reset", "www", "cluster.quorum-type")
	ds[0].MustCLI(t, "volume", "reset", "www", "cluster.quorum-count")
	cluster.WaitFor(t, stallBound, "writes again under quorum auto", func() bool {
		n++
		return os.WriteFile(filepath.Join(m1, fmt.Sprintf("after%d", n)), fileContent(n), 0o644) == nil
	})
	ds[2].Restart()
	cluster.WaitBricksOnline(t, ds[0], "www", 3, poolBound)
	cluster.WaitFor(t, healBound, "volume heal info to drain with every peer back", func() bool {
		info, err := ds[1].HealInfo(t, "www")
		return err == nil && info.Clean()
	})
	cluster.Unmount(t, m1)
	cluster.RequireClean(t, brickDirs(ds, "www")...)
	cluster.CompareBricks(t, brickDirs(ds, "www")...)
}
