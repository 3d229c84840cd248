package heal

import (
	"context"

	"github.com/mortarfs/mortar/mount/fop"
)

// CrawlFull walks the whole tree from the root on every connected brick
// and heals every inode it finds: what the changelog says, as an index
// crawl would, and, for directories whose entry changelog is clean, a
// merge that makes entries missing on some bricks (a replaced, empty
// brick is filled this way; nothing is ever removed without a changelog
// saying so). Copies that differ in size, mode or owner with a clean
// changelog are listed in Summary.Unexplained, not healed: nothing says
// which one is right. Directories are walked breadth first, one at a time;
// the files of a directory are healed Workers at a time.
func (e *Engine) CrawlFull(ctx context.Context) (Summary, error) {
	c := e.newCrawl()
	full := how{choose: e.defaultHow().choose, merge: true}
	dirs := []fop.Gfid{fop.RootGfid}
	queued := map[fop.Gfid]bool{fop.RootGfid: true}
	for len(dirs) > 0 && ctx.Err() == nil {
		d := dirs[0]
		dirs = dirs[1:]
		c.mu.Lock()
		c.seen[d] = true
		c.mu.Unlock()
		r, err := e.healTree(ctx, d, full)
		c.record(d, r, err)
		c.compare(ctx, d, r)
		for g, isDir := range e.children(ctx, d) {
			switch {
			case isDir && !queued[g]:
				queued[g] = true
				dirs = append(dirs, g)
			case !isDir:
				c.heal(ctx, g, e.defaultHow(), true)
			}
		}
	}
	return c.wait(ctx)
}

// children returns the inodes directory d lists on the connected bricks,
// and whether each is a directory.
func (e *Engine) children(ctx context.Context, d fop.Gfid) map[fop.Gfid]bool {
	lists := e.listAll(ctx, d, e.connected(), func(i int, err error) {
		e.log.Warn("full crawl: cannot list a directory", "brick", e.bricks()[i].Name(), "gfid", d, "err", err)
	})
	out := make(map[fop.Gfid]bool)
	for _, l := range lists {
		for _, ent := range l {
			if !ent.Gfid.IsZero() {
				out[ent.Gfid] = ent.Mode&sIFMT == sIFDIR
			}
		}
	}
	return out
}

// compare lists g in Summary.Unexplained when its heal found nothing to do
// and yet its copies differ in size (but the arbiter's), mode or owner.
func (c *crawl) compare(ctx context.Context, g fop.Gfid, r Result) {
	if !r.Clean() {
		return
	}
	v := c.e.readView(ctx, g, c.e.connected())
	ref := -1
	for _, i := range indexes(v.known) {
		if ref < 0 {
			ref = i
			continue
		}
		a, b := v.attr[ref], v.attr[i]
		sizeDiffers := a.Mode&sIFMT == sIFREG && a.Size != b.Size && !c.e.isArbiter(i) && !c.e.isArbiter(ref)
		if sizeDiffers || a.Mode != b.Mode || a.Uid != b.Uid || a.Gid != b.Gid {
			c.e.log.Warn("copies differ with a clean changelog", "gfid", g,
				"brick", c.e.bricks()[ref].Name(), "other", c.e.bricks()[i].Name())
			c.mu.Lock()
			c.sum.Unexplained = append(c.sum.Unexplained, gfidName(g))
			c.mu.Unlock()
			return
		}
	}
}
