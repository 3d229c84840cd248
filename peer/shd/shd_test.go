package shd_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
	"github.com/mortarfs/mortar/mount/heal/healtest"
	"github.com/mortarfs/mortar/peer/shd"
	"github.com/mortarfs/mortar/tests/cluster"
	"github.com/mortarfs/mortar/volume"
)

// dirtyVolume makes a replica-3 set on c whose third brick missed the
// creation of /f: the other two accuse it. It returns f's content.
func dirtyVolume(t *testing.T, c *healtest.Cluster) []byte {
	t.Helper()
	ctx := context.Background()
	var kids []fop.Brick
	var fbs []*faulty.Brick
	for _, b := range c.FopBricks() {
		fb := faulty.Wrap(b)
		fbs, kids = append(fbs, fb), append(kids, fb)
	}
	set, err := afr.New(kids, afr.Options{Name: "v-set-0", PostOpDelay: -1, Logger: healtest.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	fbs[2].SetDown(true)
	data := bytes.Repeat([]byte("made while b2 was down\n"), 1000)
	_, f, err := set.Create(ctx, fop.RootGfid, "f", unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o644})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(ctx, data, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if left, _ := healtest.Clean(c.Dirs); len(left) == 0 {
		t.Fatal("the set is clean: the test made nothing to heal")
	}
	return data
}

// waitHealed waits until every brick has /f with data and nothing is
// pending.
func waitHealed(t *testing.T, c *healtest.Cluster, data []byte, bound time.Duration) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		left, err := healtest.Clean(c.Dirs)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(c.Dirs[2], "f"))
		if len(left) == 0 && bytes.Equal(got, data) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healed within %v: %v; b2 has %d of %d bytes", bound, left, len(got), len(data))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func volfile(t *testing.T, refs []volume.BrickRef) *volume.Volfile {
	t.Helper()
	vf, err := volume.FromBricks("v", refs, 3)
	if err != nil {
		t.Fatal(err)
	}
	return vf
}

// TestHealsWhenBrickReturns: the daemon of the peer hosting the set's
// first brick heals a brick that was unreachable as soon as it comes
// back, long before its periodic crawl.
func TestHealsWhenBrickReturns(t *testing.T) {
	c := healtest.NewCluster(t, 3)
	data := dirtyVolume(t, c)
	p := cluster.NewProxy(t, c.Addr)
	p.Blackhole()
	refs := []volume.BrickRef{{Addr: c.Addr, Name: "b0"}, {Addr: c.Addr, Name: "b1"}, {Addr: p.Addr(), Name: "b2"}}
	d := shd.Start(context.Background(), shd.Config{
		Volfile:  volfile(t, refs),
		Local:    func(r volume.BrickRef) bool { return r == refs[0] },
		Logger:   healtest.Quiet,
		Interval: time.Hour,
	})
	defer d.Stop()
	p.Pass()
	waitHealed(t, c, data, 30*time.Second)
	healtest.Equal(t, c.Dirs, healtest.Options{MtimeSlack: time.Second})
}

// TestUpdateStartsHealing: a daemon whose volfile names no local brick
// does nothing; once Update hands it one that does, it heals.
func TestUpdateStartsHealing(t *testing.T) {
	c := healtest.NewCluster(t, 3)
	data := dirtyVolume(t, c)
	refs := []volume.BrickRef{{Addr: c.Addr, Name: "b0"}, {Addr: c.Addr, Name: "b1"}, {Addr: c.Addr, Name: "b2"}}
	local := volume.BrickRef{Addr: "127.0.0.9:1", Name: "elsewhere"}
	other := volfile(t, []volume.BrickRef{{Addr: "127.0.0.9:2", Name: "x0"}, {Addr: "127.0.0.9:3", Name: "x1"}, {Addr: "127.0.0.9:4", Name: "x2"}})
	d := shd.Start(context.Background(), shd.Config{
		Volfile:  other,
		Local:    func(r volume.BrickRef) bool { return r == local || r == refs[0] },
		Logger:   healtest.Quiet,
		Interval: time.Hour,
	})
	defer d.Stop()
	d.Update(volfile(t, refs))
	waitHealed(t, c, data, 30*time.Second)
	d.Stop() // twice is fine
}
