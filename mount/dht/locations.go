package dht

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// loc is where an inode lives: a file on one set; a directory on every
// set, set being its reference set (the hashed set of its name).
type loc struct {
	set int
	dir bool
}

// defaultLocCacheSize bounds the gfids whose location dht remembers.
const defaultLocCacheSize = 1 << 17

// locCache remembers the locations of recently seen gfids. It holds two
// generations of at most max/2 entries: when the current one fills up it
// becomes the old one and the previous old one is dropped, so memory stays
// bounded and recently used entries survive.
type locCache struct {
	max int

	// mu guards the maps.
	mu       sync.Mutex
	cur, old map[fop.Gfid]loc
}

func newLocCache(max int) *locCache {
	return &locCache{max: max, cur: map[fop.Gfid]loc{}, old: map[fop.Gfid]loc{}}
}

func (c *locCache) get(g fop.Gfid) (loc, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.cur[g]; ok {
		return l, true
	}
	l, ok := c.old[g]
	if ok {
		c.putLocked(g, l)
	}
	return l, ok
}

func (c *locCache) put(g fop.Gfid, l loc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(g, l)
}

func (c *locCache) putLocked(g fop.Gfid, l loc) {
	if _, ok := c.cur[g]; !ok && len(c.cur) >= c.max/2 {
		c.old, c.cur = c.cur, make(map[fop.Gfid]loc, c.max/2)
	}
	c.cur[g] = l
}

func (c *locCache) drop(g fop.Gfid) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, g)
	delete(c.old, g)
}

// locate finds where the inode g lives: from the cache, or by asking every
// set.
func (d *distribute) locate(ctx context.Context, g fop.Gfid) (loc, error) {
	if g == fop.RootGfid {
		return loc{set: 0, dir: true}, nil
	}
	if l, ok := d.locs.get(g); ok {
		return l, nil
	}
	return d.search(ctx, g)
}

// search asks every set for g in parallel: a directory is on all of them
// (reference set: the first that answers); a file is on the set whose entry
// is not a linkto.
func (d *distribute) search(ctx context.Context, g fop.Gfid) (loc, error) {
	ents := make([]fop.Entry, len(d.sets))
	errs := d.parallel(-1, func(i int) error {
		var err error
		ents[i], err = d.sets[i].Getattr(ctx, g)
		return err
	})
	for i, e := range ents {
		if errs[i] == nil && isDir(e.Mode) {
			l := loc{set: i, dir: true}
			d.locs.put(g, l)
			return l, nil
		}
	}
	for i, e := range ents {
		if errs[i] == nil && e.Linkto == "" {
			l := loc{set: i}
			d.locs.put(g, l)
			return l, nil
		}
	}
	return loc{}, fmt.Errorf("dht: locate %s: %w", g, firstErr(errs, syscall.ENOENT))
}

// firstErr returns the first error that is not isMissing, else the first
// that is, else def.
func firstErr(errs []error, def error) error {
	var missing error
	for _, err := range errs {
		switch {
		case err == nil:
		case isMissing(err):
			if missing == nil {
				missing = err
			}
		default:
			return err
		}
	}
	if missing != nil {
		return missing
	}
	return def
}

// errStaleLoc says an inode was not where its remembered location said.
var errStaleLoc = fmt.Errorf("stale location: %w", syscall.ENOENT)

// onInode runs fn with the location of g. When a remembered location turns
// out wrong (ENOENT or ESTALE there), it is forgotten and fn runs once more with the
// location found by asking every set.
func (d *distribute) onInode(ctx context.Context, g fop.Gfid, fn func(l loc) error) error {
	_, cached := d.locs.get(g)
	l, err := d.locate(ctx, g)
	if err != nil {
		return err
	}
	err = fn(l)
	if !cached || g == fop.RootGfid || !isMissing(err) {
		return err
	}
	d.locs.drop(g)
	nl, serr := d.search(ctx, g)
	if serr != nil || nl == l {
		return err
	}
	return fn(nl)
}
