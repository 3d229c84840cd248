package afr

import (
	"slices"
	"sync"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// health is what the set knows of one inode's replicas: which bricks have
// it, and the changelog verdict of each kind.
type health struct {
	present []bool
	v       [3]Verdict // by Kind
	typ     uint32     // S_IFMT bits; 0 when unknown
	// until: a verdict that is not clean is trusted until then, and
	// checked again afterwards (a heal may have run).
	until time.Time
}

// notCleanTTL bounds how long a verdict that calls for a heal is reused.
const notCleanTTL = time.Second

// analyze reads the counters each brick holds for an inode. pending[i]
// is brick i's answer, present[i] whether it has the inode; own[i] marks
// the bricks that carry this client's own data mark (an eager lock in
// progress), which is taken out before judging. ids name the bricks.
func (s *Set) analyze(ids []string, pending [][]fop.Pending, present, own []bool) *health {
	h := &health{present: present}
	n := len(s.kids)
	exclude := make([]bool, n)
	if s.arbiter >= 0 {
		exclude[s.arbiter] = true
	}
	for _, k := range []Kind{Data, Metadata, Entry} {
		m := NewMatrix(k, ids[:n], pending, present)
		if k == Data {
			unmark(m, own)
			h.v[k] = Analyze(m, exclude)
		} else {
			h.v[k] = Analyze(m, nil)
		}
	}
	if !h.clean() {
		h.until = time.Now().Add(notCleanTTL)
	}
	return h
}

// unmark takes one mark of every brick out of the rows of the bricks
// that carry this client's pre-op.
func unmark(m Matrix, own []bool) {
	for i, mine := range own {
		if !mine || !m.Known[i] {
			continue
		}
		for j := range m.Acc[i] {
			if m.Acc[i][j] > 0 {
				m.Acc[i][j]--
			}
		}
	}
}

// clean reports whether no kind needs healing.
func (h *health) clean() bool {
	return h.v[Data].Clean() && h.v[Metadata].Clean() && h.v[Entry].Clean()
}

// needsHeal reports whether a heal should be queued: some brick is
// accused by a wise one, or there is split-brain. Bricks that all accuse
// themselves are most often a transaction of another client in flight;
// the heal daemon's index crawl finds those that are left behind.
func (h *health) needsHeal() bool {
	for _, v := range h.v {
		if v.SplitBrain || (!v.AllFools && len(v.Sinks) > 0) {
			return true
		}
	}
	return false
}

// fools reports whether some kind is AllFools (not to be cached).
func (h *health) fools() bool {
	return h.v[Data].AllFools || h.v[Metadata].AllFools || h.v[Entry].AllFools
}

// accuse records that the bricks in failed missed a change of kind k.
func (h *health) accuse(k Kind, failed []bool) *health {
	c := *h
	v := c.v[k]
	v.Sources = slices.DeleteFunc(slices.Clone(v.Sources), func(i int) bool { return failed[i] })
	for i, f := range failed {
		if f && !slices.Contains(v.Sinks, i) {
			v.Sinks = append(v.Sinks, i)
		}
	}
	c.v[k] = v
	c.until = time.Now().Add(notCleanTTL)
	return &c
}

// healthCache keeps the health of recently seen inodes, bounded: two
// generations of at most max entries each.
type healthCache struct {
	max int

	// mu guards the maps.
	mu       sync.Mutex
	cur, old map[fop.Gfid]*health
}

const defaultHealthCacheSize = 16384

func newHealthCache(max int) *healthCache {
	return &healthCache{max: max, cur: map[fop.Gfid]*health{}, old: map[fop.Gfid]*health{}}
}

func (c *healthCache) get(g fop.Gfid) (*health, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.cur[g]
	if !ok {
		if h, ok = c.old[g]; ok {
			c.putLocked(g, h)
		}
	}
	if ok && !h.until.IsZero() && time.Now().After(h.until) {
		return nil, false
	}
	return h, ok
}

func (c *healthCache) put(g fop.Gfid, h *health) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h.fools() {
		delete(c.cur, g)
		delete(c.old, g)
		return
	}
	c.putLocked(g, h)
}

func (c *healthCache) putLocked(g fop.Gfid, h *health) {
	if len(c.cur) >= c.max {
		c.old, c.cur = c.cur, make(map[fop.Gfid]*health, c.max)
	}
	c.cur[g] = h
}

// update replaces the health of g by fn(old) when g is cached.
func (c *healthCache) update(g fop.Gfid, fn func(*health) *health) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.cur[g]; ok {
		c.cur[g] = fn(h)
	} else if h, ok := c.old[g]; ok {
		c.old[g] = fn(h)
	}
}

func (c *healthCache) forget(g fop.Gfid) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, g)
	delete(c.old, g)
}

func (c *healthCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur, c.old = map[fop.Gfid]*health{}, map[fop.Gfid]*health{}
}
