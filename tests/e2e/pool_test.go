package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mortarfs/mortar/tests/cluster"
)

// Bounds of the pool tests.
const (
	poolBound   = 30 * time.Second // pool formed, bricks online
	stallBound  = 15 * time.Second // an operation while a peer dies (DESIGN.md: a few seconds)
	healBound   = 2 * time.Minute  // the self-heal daemons drain what a peer missed
	seenBound   = 5 * time.Second  // a change on one mount seen on another
	remountWait = 45 * time.Second // a mount back in service after every daemon restarted
)

// newReplica3 forms a pool of three daemons and creates and starts a
// replica-3 volume name with one brick on each.
func newReplica3(t *testing.T, name string) []*cluster.Daemon {
	t.Helper()
	ds := cluster.StartDaemons(t, 3)
	cluster.FormPool(t, ds)
	args := []string{"volume", "create", name, "replica", "3"}
	for _, d := range ds {
		args = append(args, d.BrickPath(name))
	}
	if out := ds[0].MustCLI(t, args...); !strings.Contains(out, "volume create: "+name+": success") {
		t.Fatalf("volume create: %q", out)
	}
	ds[1].MustCLI(t, "volume", "start", name)
	cluster.WaitBricksOnline(t, ds[2], name, 3, poolBound)
	return ds
}

// brickDirs are the brick directories of volume name on ds.
func brickDirs(ds []*cluster.Daemon, name string) []string {
	var dirs []string
	for _, d := range ds {
		dirs = append(dirs, filepath.Join(d.BrickDir, name))
	}
	return dirs
}

// mountType mounts source with `mount -t mortar` and tracks the mount.
func mountType(t *testing.T, source string, opts ...string) string {
	t.Helper()
	mnt, log := cluster.NewMountpoint(t)
	r := cluster.Run(t, time.Minute, "", "mount", "-t", "mortar", "-o", strings.Join(append(opts, "log-file="+log), ","), source, mnt)
	if r.Code != 0 {
		t.Fatalf("mount -t mortar %s %s: %s", source, mnt, r)
	}
	cluster.TrackMount(t, mnt)
	return mnt
}

// TestPoolEndToEnd is mortar as an administrator runs it: three daemons,
// peer probe, a replica-3 volume created and started by name, mounted
// twice (mount -t mortar, and mount.mortar from another peer); a file
// written on one mount is read on the other at once; volume status shows
// every brick; with one daemon stopped writes go on, and once it is back
// the self-heal daemons drain `volume heal info` to zero by themselves and
// the three bricks are identical.
func TestPoolEndToEnd(t *testing.T) {
	cluster.InstallHelper(t)
	ds := newReplica3(t, "www")
	m1 := mountType(t, ds[0].Addr()+":/www")
	m2 := cluster.MountByName(t, ds[1].Addr()+":/www", "backup-volfile-servers="+ds[2].Addr())

	page := []byte("<h1>served by every web server</h1>\n")
	if err := os.WriteFile(filepath.Join(m1, "index.html"), page, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(m2, "index.html")); err != nil || !bytes.Equal(got, page) {
		t.Fatalf("second mount reads %q, %v; want the page written on the first", got, err)
	}
	page2 := []byte("<h1>a new version, same size..</h1>\n")
	if err := os.WriteFile(filepath.Join(m1, "index.html"), page2, 0o644); err != nil {
		t.Fatal(err)
	}
	cluster.WaitFor(t, seenBound, "the overwrite seen through the second mount", func() bool {
		got, err := os.ReadFile(filepath.Join(m2, "index.html"))
		return err == nil && bytes.Equal(got, page2)
	})

	bricks, err := ds[0].VolumeStatus(t, "www")
	if err != nil || len(bricks) != 3 {
		t.Fatalf("volume status: %+v %v", bricks, err)
	}
	for i, b := range bricks {
		if !b.Online || b.Port == 0 || b.Pid == 0 || b.Host != ds[i].Host {
			t.Errorf("volume status brick %d: %+v; want online on %s with a port and a pid", i+1, b, ds[i].Host)
		}
	}

	ds[2].Stop()
	start := time.Now()
	writeTree(t, m1, "while-down", 40)
	t.Logf("40 files and a rename with peer 3 down: %v", time.Since(start))
	if err := os.Rename(filepath.Join(m1, "index.html"), filepath.Join(m1, "home.html")); err != nil {
		t.Fatalf("rename with peer 3 down: %v", err)
	}
	info, err := ds[0].HealInfo(t, "www")
	if err != nil {
		t.Fatalf("volume heal www info with peer 3 down: %v", err)
	}
	if info.Pending() == 0 {
		t.Errorf("heal info lists nothing while peer 3 is down:\n%s", info)
	}

	ds[2].Restart()
	cluster.WaitBricksOnline(t, ds[0], "www", 3, poolBound)
	var last *cluster.HealInfo
	cluster.WaitFor(t, healBound, "volume heal info to drain to zero with peer 3 back (self-heal daemons)", func() bool {
		last, err = ds[1].HealInfo(t, "www")
		return err == nil && last.Clean()
	})
	checkTree(t, m2, "while-down", 40)
	if got, err := os.ReadFile(filepath.Join(m2, "home.html")); err != nil || !bytes.Equal(got, page2) {
		t.Errorf("renamed page through the second mount: %q, %v", got, err)
	}
	cluster.Unmount(t, m1)
	cluster.Unmount(t, m2)
	cluster.RequireClean(t, brickDirs(ds, "www")...)
	cluster.CompareBricks(t, brickDirs(ds, "www")...)
}

// writeTree makes dir/NAME with n files of known content, under a bound
// per file: a stopped peer may stall an operation a few seconds, never
// fail it.
func writeTree(t *testing.T, mnt, name string, n int) {
	t.Helper()
	dir := filepath.Join(mnt, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatalf("mkdir: %v", err)
	}
	for i := range n {
		start := time.Now()
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), fileContent(i), 0o644); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if d := time.Since(start); d > stallBound {
			t.Errorf("write %d took %v (more than %v)", i, d, stallBound)
		}
	}
}

func checkTree(t *testing.T, mnt, name string, n int) {
	t.Helper()
	for i := range n {
		p := filepath.Join(mnt, name, fmt.Sprintf("f%03d", i))
		if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, fileContent(i)) {
			t.Errorf("%s: %q, %v", p, got, err)
		}
	}
}

func fileContent(i int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("file %d\n", i)), i*37+1)
}
