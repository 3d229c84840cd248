package fusefs

import (
	"context"
	"sync"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// Umask. The mount asks for FUSE_DONT_MASK: the kernel then sends the
// mode a process asked for in CREATE, MKNOD and MKDIR, with the process's
// umask beside it, and the brick applies the umask unless the parent
// directory has a default ACL, which then rules, as on a local disk.
// go-fuse calls the node with the mode but not the umask, so the raw
// layer (rawfs.go) hands it over in this table, keyed by the request's
// cancel channel: go-fuse gives every request in flight its own, and
// passes it to the node in its fuse.Context.
type umaskTable struct {
	mu sync.Mutex
	m  map[<-chan struct{}]uint32
}

// with runs the request fn with umask known to its node.
func (t *umaskTable) with(cancel <-chan struct{}, umask uint32, fn func() fuse.Status) fuse.Status {
	t.mu.Lock()
	if t.m == nil {
		t.m = make(map[<-chan struct{}]uint32)
	}
	t.m[cancel] = umask
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		delete(t.m, cancel)
		t.mu.Unlock()
	}()
	return fn()
}

// of returns the umask of the request of ctx; 0 (the mode has it
// applied) for a request that carries none.
func (t *umaskTable) of(ctx context.Context) uint32 {
	c, ok := ctx.(*fuse.Context)
	if !ok {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[c.Cancel]
}
