package heal_test

import (
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal/healtest"
)

// TestHealAfterStaleRename: a brick misses a rename over a name, comes
// back, and that name is renamed on into another directory before any
// heal (every brick renames its own inode there). An index crawl must
// still make the bricks identical: the rename accused the stale brick on
// the new parent, which a clean parent would have hidden from heal.
func TestHealAfterStaleRename(t *testing.T) {
	c, set, fbs, e := afrAndEngine(t)
	v := volumeOps{t: t, v: set}

	src := v.mkdir(fop.RootGfid, "src")
	dst := v.mkdir(fop.RootGfid, "dst")
	old := v.create(src, "name", []byte("the old inode, 5708 bytes in the test that found it"))
	quiesce(t, c.Bricks[2], fop.RootGfid, src, dst, old)
	fbs[2].SetDown(true)
	v.create(src, "other", []byte("made while b2 was down"))
	v.must(set.Rename(ctx, src, "other", src, "name", 0))
	fbs[2].SetDown(false)
	v.must(set.Rename(ctx, src, "name", dst, "moved", 0))
	for _, b := range c.Bricks { // the rename's post-op runs in the background, before its unlock
		quiesce(t, b, src, dst)
	}

	s, err := e.CrawlIndex(ctx)
	if err != nil || s.Failed != 0 || len(s.SplitBrain) != 0 {
		t.Fatalf("index crawl: %+v, %v", s, err)
	}
	healtest.Equal(t, c.Dirs, healtest.Options{MtimeSlack: time.Second})
	healtest.RequireClean(t, c.Dirs)
}
