package afr

import (
	"strings"
	"sync"

	"github.com/mortarfs/mortar/mount/fop"
)

// Directories whose every name the set knows. A directory this set made
// on every brick is empty; while every change of it goes through this
// set (which records the names it adds and removes) and no brick reports
// a change made by someone else, the set knows all of its names on its
// bricks. A lookup of a name it does not know is then answered ENOENT
// without asking the bricks: the kernel looks up every name before it
// creates it, so a file created in a directory this client made (an
// untar, a checkout, a copy) costs one round trip less.
//
// What makes the set forget a directory: a notification of an entry
// change in it (made by another client or the heal engine), lost
// notifications (an overflow, a reconnect), an entry operation in it that
// failed (its outcome on some brick may be unknown), and the bounds.
// GlusterFS's nl-cache answers negative lookups the same way, from
// upcall-invalidated knowledge.

const (
	knownDirsMax  = 4096    // directories
	knownNamesMax = 1 << 18 // names over all directories
)

type knownDirs struct {
	mu    sync.Mutex
	m     map[fop.Gfid]map[string]struct{}
	names int
}

func newKnownDirs() *knownDirs { return &knownDirs{m: map[fop.Gfid]map[string]struct{}{}} }

// made records the empty directory g, made by this set on every brick.
func (k *knownDirs) made(g fop.Gfid) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.m[g]; ok {
		return
	}
	if len(k.m) >= knownDirsMax {
		// Make room: directories this set removed stay here until
		// something evicts them, and a full table would leave every
		// directory made later unknown. Forgetting is always safe.
		for old := range k.m {
			k.forgetLocked(old)
			break
		}
	}
	k.m[g] = map[string]struct{}{}
}

// added records the name this set made in parent.
func (k *knownDirs) added(parent fop.Gfid, name string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	names, ok := k.m[parent]
	if !ok {
		return
	}
	if _, dup := names[name]; dup {
		return
	}
	if k.names >= knownNamesMax {
		k.forgetLocked(parent)
		return
	}
	names[name] = struct{}{}
	k.names++
}

// removed records the name this set removed from parent.
func (k *knownDirs) removed(parent fop.Gfid, name string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if names, ok := k.m[parent]; ok {
		if _, had := names[name]; had {
			delete(names, name)
			k.names--
		}
	}
}

// forget drops what the set knows of g's names.
func (k *knownDirs) forget(g fop.Gfid) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.forgetLocked(g)
}

func (k *knownDirs) forgetLocked(g fop.Gfid) {
	if names, ok := k.m[g]; ok {
		k.names -= len(names)
		delete(k.m, g)
	}
}

// clear drops everything.
func (k *knownDirs) clear() {
	k.mu.Lock()
	defer k.mu.Unlock()
	clear(k.m)
	k.names = 0
}

// absent reports whether the set knows every name of parent and name is
// not one of them. A name no brick would take (empty, ".", "..", with
// '/' or NUL, longer than NAME_MAX) is never absent: the bricks answer
// it with their own error (ENAMETOOLONG, EINVAL).
func (k *knownDirs) absent(parent fop.Gfid, name string) bool {
	if !plainName(name) {
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	names, ok := k.m[parent]
	if !ok {
		return false
	}
	_, has := names[name]
	return !has
}

// plainName reports whether name is one a brick could hold.
func plainName(name string) bool {
	return name != "" && name != "." && name != ".." && len(name) <= nameMax &&
		!strings.ContainsAny(name, "/\x00")
}

// nameMax is NAME_MAX, the longest name a brick takes.
const nameMax = 255
