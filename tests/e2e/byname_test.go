package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/volfile/volfiletest"
	"github.com/mortarfs/mortar/tests/cluster"
	"github.com/mortarfs/mortar/volume"
	"github.com/mortarfs/mortar/volume/layout"
)

// distVolfile is a replica-1 volume over bricks, one set each.
func distVolfile(t *testing.T, name string, bricks []*cluster.Brick, opts map[string]string) *volume.Volfile {
	t.Helper()
	var refs []volume.BrickRef
	for _, b := range bricks {
		refs = append(refs, volume.BrickRef{Addr: b.Addr, Name: b.Name})
	}
	vf, err := volume.FromBricks(name, refs, 1)
	if err != nil {
		t.Fatal(err)
	}
	vf.Options = opts
	return vf
}

// TestMountByName: mount.mortar fetches the volfile from the first
// server that answers (the main one is down: the backup serves) and
// returns once the volume is usable.
func TestMountByName(t *testing.T) {
	cluster.RequireFUSE(t)
	bricks := cluster.StartBricks(t, 1)
	srv := volfiletest.New(t, distVolfile(t, "www", bricks, nil))
	dead := cluster.NewProxy(t, "127.0.0.1:1") // refuses every connection
	dead.Close()
	mnt := cluster.MountByName(t, dead.Addr()+":/www", "backup-volfile-servers="+srv.Addr())
	if err := os.WriteFile(filepath.Join(mnt, "hello"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(bricks[0].Dir, "hello"))
	if err != nil || string(got) != "hi\n" {
		t.Fatalf("brick has %q, %v; want the file written through the mount", got, err)
	}
	cluster.WaitFor(t, 5*time.Second, "the mount to fetch and watch the volfile on the backup server", func() bool {
		gets, watches := srv.Counts()
		return gets > 0 && watches > 0
	})
}

// TestMountRefusals: each way a mount by name fails is said on stderr
// with mount(8)'s status 32, and nothing is mounted.
func TestMountRefusals(t *testing.T) {
	cluster.RequireFUSE(t)
	bricks := cluster.StartBricks(t, 1)
	srv := volfiletest.New(t, distVolfile(t, "www", bricks, nil))
	dead := cluster.NewProxy(t, "127.0.0.1:1")
	dead.Close()
	for _, c := range []struct {
		what, source string
		setup        func()
		want         string
	}{
		{"unknown volume", srv.Addr() + ":/nope", func() {}, "volume nope does not exist"},
		{"stopped volume", srv.Addr() + ":/www", func() { srv.SetStopped(true) }, "volume www is not started"},
		{"auth refused", srv.Addr() + ":/www", func() { srv.SetStopped(false); srv.SetDenied(true) }, "not allowed"},
		{"no server", dead.Addr() + ":/www", func() { srv.SetDenied(false) }, "no volfile server reachable"},
	} {
		c.setup()
		mnt, _ := cluster.NewMountpoint(t)
		start := time.Now()
		r := cluster.MountHelper(t, c.source, mnt, "-o", "_netdev,defaults")
		if r.Code != 32 || !strings.Contains(r.Stderr, c.want) || !strings.Contains(r.Stderr, "mount.mortar:") {
			t.Errorf("%s: want status 32 and %q on stderr; got %s", c.what, c.want, r)
		}
		if took := time.Since(start); took > 20*time.Second {
			t.Errorf("%s: took %v", c.what, took)
		}
		if ents, err := os.ReadDir(mnt); err != nil || len(ents) != 0 {
			t.Errorf("%s: mountpoint not left alone: %v, %v", c.what, ents, err)
		}
	}
	r := cluster.MountHelper(t, "no-volume-here", t.TempDir())
	if r.Code != 1 || !strings.Contains(r.Stderr, "HOST:/VOLUME") {
		t.Errorf("bad source: want status 1 and the usage; got %s", r)
	}
}

// TestVolfileFollowed: a mounted volume follows its volfile without a
// remount: new cache timeouts apply to the next replies, and a set added
// to the volume takes the names its buckets get.
func TestVolfileFollowed(t *testing.T) {
	cluster.RequireFUSE(t)
	bricks := cluster.StartBricks(t, 2)
	noCache := map[string]string{"performance.entry-timeout": "0", "performance.attribute-timeout": "0", "performance.negative-timeout": "0"}
	srv := volfiletest.New(t, distVolfile(t, "www", bricks[:1], noCache))
	mnt := cluster.MountByName(t, srv.Addr()+":/www")

	// vanishes writes name through the mount, removes it behind the
	// client's back on the brick, and says whether the mount sees it gone.
	n := 0
	vanishes := func() bool {
		n++
		name := "f" + string(rune('a'+n%26)) + time.Now().Format("150405.000000000")
		p := filepath.Join(mnt, name)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(bricks[0].Dir, name)); err != nil {
			t.Fatal(err)
		}
		_, err := os.Stat(p)
		return errors.Is(err, os.ErrNotExist)
	}
	if !vanishes() {
		t.Fatal("with zero entry timeout the kernel kept a removed name")
	}
	long := map[string]string{"performance.entry-timeout": "3600", "performance.attribute-timeout": "3600", "performance.negative-timeout": "0"}
	srv.Set(distVolfile(t, "www", bricks[:1], long))
	cluster.WaitFor(t, 10*time.Second, "the kernel to cache names for an hour", func() bool { return !vanishes() })

	// Add a set holding every bucket but that of "old", a file made
	// before: new names go to the new brick, "old" stays reachable.
	if err := os.WriteFile(filepath.Join(mnt, "old"), []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vf := distVolfile(t, "www", bricks, long)
	keep := layout.Bucket(fop.RootGfid, "old")
	for i := range vf.Layout.Sets {
		vf.Layout.Sets[i] = 1
	}
	vf.Layout.Sets[keep] = 0
	vf.Layout.Version = 2
	srv.Set(vf)
	cluster.WaitFor(t, 10*time.Second, "a new file to land on the added brick", func() bool {
		n++
		name := "new" + time.Now().Format("150405.000000000")
		if layout.Bucket(fop.RootGfid, name) == keep {
			return false
		}
		if err := os.WriteFile(filepath.Join(mnt, name), []byte("new\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := os.Stat(filepath.Join(bricks[1].Dir, name))
		return err == nil
	})
	if got, err := os.ReadFile(filepath.Join(mnt, "old")); err != nil || string(got) != "old\n" {
		t.Errorf("old file after the set was added: %q, %v", got, err)
	}
}

// TestQuorumFollowed: replication options set on the volume reach a live
// mount: with one brick of three down, writes go on under quorum auto,
// stop once the volume asks for all three (quorum-count 3), and go on
// again when it is back to auto.
func TestQuorumFollowed(t *testing.T) {
	cluster.RequireFUSE(t)
	bricks := cluster.StartBricks(t, 3)
	vf := func(opts map[string]string) *volume.Volfile {
		var refs []volume.BrickRef
		for _, b := range bricks {
			refs = append(refs, volume.BrickRef{Addr: b.Addr, Name: b.Name})
		}
		v, err := volume.FromBricks("rep", refs, 3)
		if err != nil {
			t.Fatal(err)
		}
		v.Options = opts
		return v
	}
	srv := volfiletest.New(t, vf(nil))
	mnt := cluster.MountByName(t, srv.Addr()+":/rep")
	n := 0
	write := func() error {
		n++
		return os.WriteFile(filepath.Join(mnt, fmt.Sprintf("f%d", n)), []byte("data\n"), 0o644)
	}
	if err := write(); err != nil {
		t.Fatal(err)
	}
	bricks[2].Kill()
	cluster.WaitFor(t, 15*time.Second, "writes with one brick down (quorum auto)", func() bool { return write() == nil })
	srv.Set(vf(map[string]string{"quorum-type": "fixed", "quorum-count": "3"}))
	cluster.WaitFor(t, 15*time.Second, "writes refused once the volume wants all three bricks", func() bool { return write() != nil })
	srv.Set(vf(map[string]string{"cluster.quorum-type": "auto"}))
	cluster.WaitFor(t, 15*time.Second, "writes again under quorum auto", func() bool { return write() == nil })
}
