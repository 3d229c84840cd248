package fusefs

import (
	"sync"
	"sync/atomic"

	"github.com/mortarfs/mortar/mount/fop"
)

// changeLog tells a directory snapshot which of its entries changed after
// it was read, so that READDIRPLUS does not hand the kernel attributes or
// names older than what the kernel has been told since (by an
// invalidation, or by this client's own operations, which send none).
//
// Changes are recorded only while a snapshot is alive, and the log keeps
// at most changeLogLimit of them: beyond that, it forgets those older
// than every live snapshot, and if that is not enough it declares every
// live snapshot stale (floor). Its memory is therefore bounded, and an
// operation costs one atomic load when no directory is being listed.
type changeLog struct {
	epoch atomic.Uint64
	live  atomic.Int64 // snapshots alive

	mu        sync.Mutex
	snapshots map[uint64]int // epoch → live snapshots taken at it
	inodes    map[fop.Gfid]uint64
	entries   map[entryKey]uint64
	floor     uint64 // snapshots older than this are stale as a whole
}

type entryKey struct {
	dir  fop.Gfid
	name string
}

const changeLogLimit = 1 << 14

// begin registers a snapshot about to be read and returns its epoch.
func (c *changeLog) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snapshots == nil {
		c.snapshots = make(map[uint64]int)
		c.inodes = make(map[fop.Gfid]uint64)
		c.entries = make(map[entryKey]uint64)
	}
	e := c.epoch.Add(1)
	c.snapshots[e]++
	c.live.Add(1)
	return e
}

// end unregisters a snapshot taken at epoch e.
func (c *changeLog) end(e uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snapshots[e]--; c.snapshots[e] <= 0 {
		delete(c.snapshots, e)
	}
	c.live.Add(-1)
	if len(c.snapshots) == 0 {
		clear(c.inodes)
		clear(c.entries)
	}
}

// inode records that the attributes of g changed.
func (c *changeLog) inode(g fop.Gfid) {
	if c.live.Load() == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inodes[g] = c.epoch.Add(1)
	c.bound()
}

// entry records that the name in dir changed, and with it dir's own
// attributes (mtime, nlink).
func (c *changeLog) entry(dir fop.Gfid, name string) {
	if c.live.Load() == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.epoch.Add(1)
	c.entries[entryKey{dir, name}] = e
	c.inodes[dir] = e
	c.bound()
}

// all records that anything may have changed.
func (c *changeLog) all() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.floor = c.epoch.Add(1)
}

// stale reports whether the entry (dir, name) of inode g, read by a
// snapshot at epoch snap, may be older than what the kernel knows.
func (c *changeLog) stale(snap uint64, dir fop.Gfid, name string, g fop.Gfid) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.floor > snap || c.inodes[g] > snap || c.entries[entryKey{dir, name}] > snap
}

// bound keeps the log within changeLogLimit. Called with mu held.
func (c *changeLog) bound() {
	if len(c.inodes)+len(c.entries) <= changeLogLimit {
		return
	}
	oldest := c.epoch.Load()
	for e := range c.snapshots {
		oldest = min(oldest, e)
	}
	for k, e := range c.inodes {
		if e <= oldest {
			delete(c.inodes, k)
		}
	}
	for k, e := range c.entries {
		if e <= oldest {
			delete(c.entries, k)
		}
	}
	if len(c.inodes)+len(c.entries) > changeLogLimit/2 {
		c.floor = c.epoch.Load()
		clear(c.inodes)
		clear(c.entries)
	}
}
