package afr

import (
	"sync"

	"github.com/mortarfs/mortar/mount/fop"
)

// busyTable counts this client's entry and metadata transactions between
// their pre-op and the end of their post-op, by marked inode. While one
// is in flight the inode's counters show it half done (marked on some
// bricks, unmarked on others) and look like a brick missed something:
// such a verdict is used for the read at hand but not kept, and queues
// no heal.
type busyTable struct {
	// mu guards m.
	mu sync.Mutex
	m  map[fop.Gfid]int
}

func (b *busyTable) add(gs []fop.Gfid) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[fop.Gfid]int{}
	}
	for _, g := range gs {
		b.m[g]++
	}
}

func (b *busyTable) done(gs []fop.Gfid) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, g := range gs {
		if b.m[g]--; b.m[g] <= 0 {
			delete(b.m, g)
		}
	}
}

func (b *busyTable) has(g fop.Gfid) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[g] > 0
}
