// Package memvol is an in-memory fop.Volume for tests of the layers above
// the brick client: a POSIX-like tree of inodes addressed by gfid, with
// dht linkto files (MknodLinkto), call counters and injected failures. It
// answers like a brick where dht depends on it: an unknown gfid is ESTALE,
// a missing name ENOENT, a gfid already in use EEXIST, and a directory
// removed while open resolves by gfid (nlink 0) until its last Release.
package memvol

import (
	"fmt"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// Vol is one in-memory volume (a stand-in for a replica set).
type Vol struct {
	Name string

	// mu guards everything below.
	mu     sync.Mutex
	inodes map[fop.Gfid]*inode
	seq    uint64 // entry cookies: insertion order
	calls  map[string]int
	fail   map[string]error
	statfs fop.Statfs
	sink   func(fop.Event)
	closed bool
}

type inode struct {
	attr    fop.Attr
	linkto  string
	target  string
	data    []byte
	xattrs  map[string][]byte
	entries map[string]dent // directories
	// opendirs counts the open Dirs of a directory; a directory removed
	// while open keeps resolving by gfid (nlink 0) until the last
	// Release, as on a brick.
	opendirs int
	removed  bool
}

type dent struct {
	gfid fop.Gfid
	seq  uint64
}

// New returns a volume holding only the root directory.
func New(name string) *Vol {
	v := &Vol{Name: name, inodes: map[fop.Gfid]*inode{}, calls: map[string]int{}, fail: map[string]error{}}
	v.statfs = fop.Statfs{Blocks: 1000, Bfree: 600, Bavail: 500, Files: 100, Ffree: 50, Bsize: 4096, Frsize: 4096, Namelen: 255}
	root := v.newInode(fop.RootGfid, syscall.S_IFDIR|0o755, fop.Caller{})
	root.attr.Nlink = 2
	return v
}

// Calls returns how many times op was called ("lookup", "mkdir", ...).
func (v *Vol) Calls(op string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.calls[op]
}

// Fail makes every later call of op fail with err (nil: succeed again).
func (v *Vol) Fail(op string, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err == nil {
		delete(v.fail, op)
		return
	}
	v.fail[op] = err
}

// SetStatfs sets what Statfs answers.
func (v *Vol) SetStatfs(s fop.Statfs) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.statfs = s
}

// Names lists the entries of directory g, linkto files marked with "@set".
func (v *Vol) Names(g fop.Gfid) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	dir := v.inodes[g]
	if dir == nil || dir.entries == nil {
		return nil
	}
	var out []string
	for n, e := range dir.entries {
		if ino := v.inodes[e.gfid]; ino != nil && ino.linkto != "" {
			n += "@" + ino.linkto
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Emit sends ev to the watcher, as a brick's notification would.
func (v *Vol) Emit(ev fop.Event) {
	v.mu.Lock()
	fn := v.sink
	v.mu.Unlock()
	if fn != nil {
		fn(ev)
	}
}

// Closed reports whether Close was called.
func (v *Vol) Closed() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.closed
}

// begin counts op and returns its injected failure; v.mu must be held.
func (v *Vol) begin(op string) error {
	v.calls[op]++
	if err := v.fail[op]; err != nil {
		return fmt.Errorf("memvol %s: %s: %w", v.Name, op, err)
	}
	return nil
}

func (v *Vol) newInode(g fop.Gfid, mode uint32, c fop.Caller) *inode {
	now := stamp()
	ino := &inode{attr: fop.Attr{Gfid: g, Mode: mode, Nlink: 1, Uid: c.Uid, Gid: c.Gid, Blksize: 4096,
		Atime: now, Mtime: now, Ctime: now}, xattrs: map[string][]byte{}}
	if mode&syscall.S_IFMT == syscall.S_IFDIR {
		ino.entries = map[string]dent{}
		ino.attr.Nlink = 2
	}
	v.inodes[g] = ino
	return ino
}

func stamp() fop.Timespec {
	t := time.Now()
	return fop.Timespec{Sec: t.Unix(), Nsec: uint32(t.Nanosecond())}
}

func errf(err syscall.Errno, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// dir returns the directory g; v.mu must be held.
func (v *Vol) dir(g fop.Gfid) (*inode, error) {
	d := v.inodes[g]
	if d == nil {
		return nil, errf(syscall.ESTALE, "memvol: no inode %s", g)
	}
	if d.entries == nil {
		return nil, errf(syscall.ENOTDIR, "memvol: %s", g)
	}
	if d.removed {
		return nil, errf(syscall.ENOENT, "memvol: %s removed", g)
	}
	return d, nil
}

func (v *Vol) entry(ino *inode) fop.Entry {
	return fop.Entry{Attr: ino.attr, Linkto: ino.linkto}
}

func isDir(mode uint32) bool { return mode&syscall.S_IFMT == syscall.S_IFDIR }
