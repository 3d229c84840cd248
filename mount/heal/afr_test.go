package heal_test

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
	"github.com/mortarfs/mortar/mount/heal"
	"github.com/mortarfs/mortar/mount/heal/healtest"
)

// TestHealAfterAfr: the marks real afr transactions leave while a brick is
// down are what the engine heals: after the brick is back, an index crawl
// makes the bricks identical and leaves nothing pending.
func TestHealAfterAfr(t *testing.T) {
	c, set, fbs, e := afrAndEngine(t)
	v := volumeOps{t: t, v: set}

	d := v.mkdir(fop.RootGfid, "d")
	keep := v.create(d, "keep", bytes.Repeat([]byte("k"), 300<<10))
	v.create(fop.RootGfid, "gone", []byte("deleted while b2 is down"))
	v.mkdir(d, "olddir")

	quiesce(t, c.Bricks[2], fop.RootGfid, d, keep)
	fbs[2].SetDown(true)
	v.write(keep, 128<<10, []byte("changed while b2 was down"))
	v.create(d, "new", []byte("made while b2 was down"))
	sub := v.mkdir(d, "sub")
	v.create(sub, "deep", bytes.Repeat([]byte("d"), 1<<20))
	v.must(set.Unlink(ctx, fop.RootGfid, "gone"))
	v.must(set.Rename(ctx, d, "olddir", fop.RootGfid, "newdir", 0))
	_, err := set.Setattr(ctx, keep, fop.SetattrIn{Valid: fop.SetMode, Mode: 0o600})
	v.must(err)
	v.must(set.Setxattr(ctx, keep, "user.tag", []byte("v2"), 0))
	_, err = set.Symlink(ctx, d, "link", "keep", fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o777})
	v.must(err)
	fbs[2].SetDown(false)

	s, err := e.CrawlIndex(ctx)
	if err != nil || s.Failed != 0 || len(s.SplitBrain) != 0 {
		t.Fatalf("index crawl: %+v, %v", s, err)
	}
	healtest.Equal(t, c.Dirs, healtest.Options{MtimeSlack: time.Second})
	healtest.RequireClean(t, c.Dirs)
}

// afrAndEngine makes a 3-brick cluster, an afr set over faulty wrappers
// of its bricks (no delayed post-op), and a heal engine over the same
// wrappers, closed with the test.
func afrAndEngine(t *testing.T) (*healtest.Cluster, *afr.Set, []*faulty.Brick, *heal.Engine) {
	t.Helper()
	c := healtest.NewCluster(t, 3)
	var kids []fop.Brick
	var fbs []*faulty.Brick
	for _, b := range c.FopBricks() {
		fb := faulty.Wrap(b)
		fbs, kids = append(fbs, fb), append(kids, fb)
	}
	set, err := afr.New(kids, afr.Options{Name: "s", PostOpDelay: -1, Logger: healtest.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	e := heal.New(heal.Set{Name: "s", Bricks: kids}, heal.Options{Logger: healtest.Quiet})
	t.Cleanup(func() { e.Close() })
	return c, set, fbs, e
}

// quiesce waits until no lock is held on the inodes gs on b: afr releases
// some locks in the background, and a brick the faulty wrapper makes look
// down (its session still up) would keep a lock released too late.
func quiesce(t *testing.T, b fop.Brick, gs ...fop.Gfid) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, g := range gs {
		for {
			err := b.Entrylk(ctx, g, "", afr.EntryDomain, fop.LkSet, fop.LockWrite, 77)
			if err == nil {
				err = b.Inodelk(ctx, g, afr.DataDomain, fop.LkSet, fop.Lock{Type: fop.LockWrite, End: fop.LockToEOF, Owner: 77})
				_ = b.Entrylk(ctx, g, "", afr.EntryDomain, fop.LkSet, fop.LockUnlock, 77)
			}
			if err == nil {
				_ = b.Inodelk(ctx, g, afr.DataDomain, fop.LkSet, fop.Lock{Type: fop.LockUnlock, End: fop.LockToEOF, Owner: 77})
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("locks on %s still held: %v", g, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// volumeOps drives a fop.Volume in a test.
type volumeOps struct {
	t *testing.T
	v fop.Volume
}

func (o volumeOps) must(err error) {
	o.t.Helper()
	if err != nil {
		o.t.Fatal(err)
	}
}

func (o volumeOps) mkdir(parent fop.Gfid, name string) fop.Gfid {
	o.t.Helper()
	e, err := o.v.Mkdir(ctx, parent, name, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o755})
	o.must(err)
	return e.Gfid
}

func (o volumeOps) create(parent fop.Gfid, name string, data []byte) fop.Gfid {
	o.t.Helper()
	e, f, err := o.v.Create(ctx, parent, name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o644})
	o.must(err)
	_, err = f.Write(ctx, data, 0)
	o.must(err)
	o.must(f.Release(ctx))
	return e.Gfid
}

func (o volumeOps) write(g fop.Gfid, off int64, data []byte) {
	o.t.Helper()
	f, err := o.v.Open(ctx, g, unix.O_WRONLY)
	o.must(err)
	_, err = f.Write(ctx, data, off)
	o.must(err)
	o.must(f.Release(ctx))
}
