package posix

import (
	"sync"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
)

// openDirs counts the open Dirs of every directory and keeps an fd of a
// directory removed while open ("parked"), so that its gfid still
// resolves (fstat of an open, removed directory works, with nlink 0)
// until the last Dir closes.
type openDirs struct {
	// mu guards m.
	mu sync.Mutex
	m  map[gfid.Gfid]*openDir
}

type openDir struct {
	n      int
	parked int // fd of the removed directory, -1 while it has a name
}

func (o *openDirs) inc(g gfid.Gfid) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = make(map[gfid.Gfid]*openDir)
	}
	d := o.m[g]
	if d == nil {
		d = &openDir{parked: -1}
		o.m[g] = d
	}
	d.n++
}

func (o *openDirs) dec(g gfid.Gfid) {
	o.mu.Lock()
	defer o.mu.Unlock()
	d := o.m[g]
	if d == nil {
		return
	}
	if d.n--; d.n == 0 {
		closeFd(d.parked)
		delete(o.m, g)
	}
}

// park keeps a duplicate of fd, the removed directory g, while g is open.
func (o *openDirs) park(g gfid.Gfid, fd int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	d := o.m[g]
	if d == nil || d.parked >= 0 {
		return
	}
	if nfd, err := dupFd(fd); err == nil {
		d.parked = nfd
	}
}

// dup returns a duplicate of the fd of the parked directory g.
func (o *openDirs) dup(g gfid.Gfid) (int, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	d := o.m[g]
	if d == nil || d.parked < 0 {
		return -1, false
	}
	fd, err := dupFd(d.parked)
	return fd, err == nil
}

// close closes every parked fd.
func (o *openDirs) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for g, d := range o.m {
		closeFd(d.parked)
		delete(o.m, g)
	}
}
