package heal_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal/healtest"
)

// TestHealAfterCreateOverStaleName: a brick misses an unlink, comes back,
// and the name is created again without O_EXCL before any heal (the
// stale brick opens its old inode, the others make a new one). The
// create succeeds, and an index crawl makes the bricks identical.
func TestHealAfterCreateOverStaleName(t *testing.T) {
	c, set, fbs, e := afrAndEngine(t)
	v := volumeOps{t: t, v: set}

	d := v.mkdir(fop.RootGfid, "d")
	old := v.create(d, "name", []byte("the old inode"))
	quiesce(t, c.Bricks[2], fop.RootGfid, d, old)
	fbs[2].SetDown(true)
	v.must(set.Unlink(ctx, d, "name"))
	fbs[2].SetDown(false)

	ent, f, err := set.Create(ctx, d, "name", unix.O_RDWR|unix.O_CREAT, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o644})
	if err != nil {
		t.Fatalf("create over the stale name: %v", err)
	}
	if ent.Gfid == old {
		t.Fatal("the create opened the stale inode")
	}
	_, err = f.Write(ctx, []byte("the new inode"), 0)
	v.must(err)
	v.must(f.Release(ctx))

	s, err := e.CrawlIndex(ctx)
	if err != nil || s.Failed != 0 || len(s.SplitBrain) != 0 {
		t.Fatalf("index crawl: %+v, %v", s, err)
	}
	healtest.Equal(t, c.Dirs, healtest.Options{MtimeSlack: time.Second})
	healtest.RequireClean(t, c.Dirs)
	if got, err := os.ReadFile(filepath.Join(c.Dirs[2], "d", "name")); err != nil || string(got) != "the new inode" {
		t.Fatalf("brick 2's d/name after heal: %q, %v", got, err)
	}
}
