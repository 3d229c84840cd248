package posix

import (
	"container/list"
	"sync"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
)

// dirCache is a bounded LRU of open directory fds by gfid, so that a deep
// directory resolves in O(1). Open fds follow renames; rmdir evicts. The
// cache owns its fds and hands out duplicates, so an eviction never closes
// an fd that a caller is using.
type dirCache struct {
	max int
	// mu guards m and lru.
	mu  sync.Mutex
	m   map[gfid.Gfid]*list.Element
	lru *list.List // of *cachedDir, most recent first
}

type cachedDir struct {
	g  gfid.Gfid
	fd int
}

func newDirCache(max int) *dirCache {
	return &dirCache{max: max, m: make(map[gfid.Gfid]*list.Element), lru: list.New()}
}

// dup returns a duplicate of the cached fd of g.
func (c *dirCache) dup(g gfid.Gfid) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[g]
	if !ok {
		return -1, false
	}
	c.lru.MoveToFront(e)
	fd, err := dupFd(e.Value.(*cachedDir).fd)
	return fd, err == nil
}

// has reports whether g is cached.
func (c *dirCache) has(g gfid.Gfid) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[g]
	return ok
}

// add caches a duplicate of fd for g (fd stays the caller's).
func (c *dirCache) add(g gfid.Gfid, fd int) {
	if c.max <= 0 {
		return
	}
	nfd, err := dupFd(fd)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[g]; ok {
		old := e.Value.(*cachedDir)
		closeFd(old.fd)
		old.fd = nfd
		c.lru.MoveToFront(e)
		return
	}
	c.m[g] = c.lru.PushFront(&cachedDir{g: g, fd: nfd})
	for c.lru.Len() > c.max {
		c.removeLocked(c.lru.Back())
	}
}

// evict drops g from the cache.
func (c *dirCache) evict(g gfid.Gfid) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[g]; ok {
		c.removeLocked(e)
	}
}

func (c *dirCache) removeLocked(e *list.Element) {
	d := c.lru.Remove(e).(*cachedDir)
	delete(c.m, d.g)
	closeFd(d.fd)
}

// close drops every entry.
func (c *dirCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.lru.Len() > 0 {
		c.removeLocked(c.lru.Back())
	}
}

// DropCaches closes every cached directory fd; later resolutions walk the
// handles again.
func (b *Brick) DropCaches() { b.dirs.close() }
