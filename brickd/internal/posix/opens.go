package posix

import (
	"sync"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
)

// openCounts counts the open Files of every inode, so that the last name
// of an open inode can be removed without losing the inode: its handle is
// parked in .mortar/unlink until the last File closes. Changes happen with
// the inode's shard of b.inodes held.
type openCounts struct {
	// mu guards n and parked.
	mu     sync.Mutex
	n      map[gfid.Gfid]int
	parked map[gfid.Gfid]bool
}

func (o *openCounts) inc(g gfid.Gfid) {
	o.mu.Lock()
	o.n[g]++
	o.mu.Unlock()
}

// dec drops one open and reports whether it was the last one of a parked
// inode (whose handle must now be deleted).
func (o *openCounts) dec(g gfid.Gfid) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n[g]--
	if o.n[g] > 0 {
		return false
	}
	delete(o.n, g)
	last := o.parked[g]
	delete(o.parked, g)
	return last
}

func (o *openCounts) isOpen(g gfid.Gfid) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[g] > 0
}

func (o *openCounts) isParked(g gfid.Gfid) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.parked[g]
}

func (o *openCounts) park(g gfid.Gfid) {
	o.mu.Lock()
	o.parked[g] = true
	o.mu.Unlock()
}

// lastNameGone is called with g's shard held after a name of the
// non-directory g was removed: when only the handle is left (nlink 1), the
// handle is deleted, or parked while the inode is open.
func (b *Brick) lastNameGone(g gfid.Gfid, nlink uint64) {
	if g.IsZero() || nlink > 1 {
		return
	}
	if nlink == 0 {
		return // no handle (already gone)
	}
	var err error
	if b.opens.isOpen(g) {
		if err = b.parkHandle(g); err == nil {
			b.opens.park(g)
		}
	} else if err = b.removeHandle(g); err == nil {
		_ = b.dropDirty(g)
	}
	if err != nil {
		b.log.Warn("cannot drop the handle of a removed inode", "brick", b.path, "gfid", g, "err", err)
	}
}
