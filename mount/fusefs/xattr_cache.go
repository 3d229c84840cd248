package fusefs

import (
	"errors"
	"sync"
	"syscall"
)

// capabilityXattr is read by the kernel before every write(2) of a file,
// to see whether the write must drop file capabilities: a round trip per
// write unless the answer is cached.
const capabilityXattr = "security.capability"

// capCache holds one inode's security.capability: absent, or its value.
// Any change of the inode's xattrs or owner made through this client, a
// notification for the inode, or a lost notification (the mount-wide
// generation) makes it unknown again. Dropping the capability on write
// does not depend on it: the brick's own file system does that.
type capCache struct {
	mu    sync.Mutex
	gen   uint64 // bumped by every invalidation
	valid bool
	mgen  uint64 // mount generation the value was read under
	value []byte // nil: absent
}

// get returns the cached value; ok is false when it must be read.
func (c *capCache) get(mgen uint64) (value []byte, ok bool, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.valid && c.mgen == mgen {
		return c.value, true, c.gen
	}
	return nil, false, c.gen
}

// put stores what a read started at generation gen returned, unless the
// inode changed meanwhile.
func (c *capCache) put(gen, mgen uint64, value []byte, err error) {
	absent := errors.Is(err, syscall.ENODATA)
	if err != nil && !absent {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	c.valid, c.mgen, c.value = true, mgen, value
	if absent {
		c.value = nil
	}
}

// bornAbsent records that a file this client just created has no
// capability: a new inode has no xattrs but the ones its creator sets.
// mgen is the mount generation read before the create; an invalidation
// since the node was made wins.
func (c *capCache) bornAbsent(mgen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == 0 && !c.valid {
		c.valid, c.mgen, c.value = true, mgen, nil
	}
}

func (c *capCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.valid = false
}
