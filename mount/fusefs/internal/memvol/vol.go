// Package memvol is an in-memory fop.Volume for the tests of fusefs: one
// namespace of gfid-addressed inodes with nlink, times, xattrs, hard
// links, rename, byte-range and flock locks, paged readdir with cookies,
// per-operation call counters, injectable errors and injectable change
// notifications. It checks no permissions (the kernel does, with
// default_permissions).
package memvol

import (
	"sync"
	"syscall"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// Vol is the volume. Its zero value is not usable; call New.
type Vol struct {
	mu     sync.Mutex
	inodes map[fop.Gfid]*inode
	calls  map[string]int64
	faults map[string]error
	holds  map[string]chan struct{} // Hold: closed to let calls go
	held   map[string]int           // calls waiting at a hold
	sink   func(fop.Event)
	// lockChange is closed and replaced whenever a lock goes away.
	lockChange chan struct{}
}

type inode struct {
	attr   fop.Attr
	data   []byte
	target string            // symlink
	dir    *dirTable         // directory
	parent fop.Gfid          // directory: its parent
	xattrs map[string][]byte //
	opens  int               // open files
	locks  []heldLock
}

// New returns a volume holding an empty root directory.
func New() *Vol {
	v := &Vol{
		inodes:     make(map[fop.Gfid]*inode),
		calls:      make(map[string]int64),
		faults:     make(map[string]error),
		holds:      make(map[string]chan struct{}),
		held:       make(map[string]int),
		lockChange: make(chan struct{}),
	}
	root := v.newInode(fop.RootGfid, syscall.S_IFDIR|0o755, fop.Caller{}, nil)
	root.parent = fop.RootGfid
	root.attr.Nlink = 2
	return v
}

// Calls returns how often op (the fop method name, e.g. "Lookup",
// "Flush") was called.
func (v *Vol) Calls(op string) int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.calls[op]
}

// Fail makes every call of op return err from now on; nil heals it.
func (v *Vol) Fail(op string, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err == nil {
		delete(v.faults, op)
		return
	}
	v.faults[op] = err
}

// Emit delivers a change notification to the watcher, as a brick would
// for a change made by another client.
func (v *Vol) Emit(ev fop.Event) {
	v.mu.Lock()
	sink := v.sink
	v.mu.Unlock()
	if sink != nil {
		sink(ev)
	}
}

// Watch registers the notification sink.
func (v *Vol) Watch(fn func(fop.Event)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.sink = fn
}

// Close does nothing.
func (v *Vol) Close() error { return nil }

// Hold makes every call of op wait, from now on, until release is
// called (once); Held counts the calls waiting.
func (v *Vol) Hold(op string) (release func()) {
	gate := make(chan struct{})
	v.mu.Lock()
	defer v.mu.Unlock()
	v.holds[op] = gate
	return func() {
		v.mu.Lock()
		defer v.mu.Unlock()
		if v.holds[op] == gate {
			delete(v.holds, op)
		}
		close(gate)
	}
}

// Held returns how many calls of op wait at a Hold.
func (v *Vol) Held(op string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.held[op]
}

// enter counts a call of op, waits at its hold if there is one, and
// locks the volume; it returns the injected error of op, if any (the
// volume is then unlocked).
func (v *Vol) enter(op string) error {
	v.mu.Lock()
	v.calls[op]++
	if gate := v.holds[op]; gate != nil {
		v.held[op]++
		v.mu.Unlock()
		<-gate
		v.mu.Lock()
		v.held[op]--
	}
	if err := v.faults[op]; err != nil {
		v.mu.Unlock()
		return err
	}
	return nil
}

func now() fop.Timespec {
	t := time.Now()
	return fop.Timespec{Sec: t.Unix(), Nsec: uint32(t.Nanosecond())}
}

// newInode adds an inode; parent gives the setgid inheritance.
func (v *Vol) newInode(g fop.Gfid, mode uint32, c fop.Caller, parent *inode) *inode {
	t := now()
	ino := &inode{attr: fop.Attr{
		Gfid: g, Mode: mode, Nlink: 1, Uid: c.Uid, Gid: c.Gid, Blksize: 4096,
		Atime: t, Mtime: t, Ctime: t,
	}, xattrs: make(map[string][]byte)}
	if parent != nil && parent.attr.Mode&syscall.S_ISGID != 0 {
		ino.attr.Gid = parent.attr.Gid
		if mode&syscall.S_IFMT == syscall.S_IFDIR {
			ino.attr.Mode |= syscall.S_ISGID
		}
	}
	if mode&syscall.S_IFMT == syscall.S_IFDIR {
		ino.dir = newDirTable()
	}
	v.inodes[g] = ino
	return ino
}

// get returns the inode of g. Called with mu held.
func (v *Vol) get(g fop.Gfid) (*inode, error) {
	if ino := v.inodes[g]; ino != nil {
		return ino, nil
	}
	return nil, syscall.ENOENT
}

// dirOf returns the directory g. Called with mu held.
func (v *Vol) dirOf(g fop.Gfid) (*inode, error) {
	ino, err := v.get(g)
	if err != nil {
		return nil, err
	}
	if ino.dir == nil {
		return nil, syscall.ENOTDIR
	}
	return ino, nil
}

// entry is the fop.Entry of ino. Called with mu held.
func (ino *inode) entry() fop.Entry {
	a := ino.attr
	a.Size = uint64(len(ino.data))
	switch {
	case ino.dir != nil:
		a.Size = 4096
	case ino.attr.Mode&syscall.S_IFMT == syscall.S_IFLNK:
		a.Size = uint64(len(ino.target))
	}
	a.Blocks = (a.Size + 511) / 512
	return fop.Entry{Attr: a}
}

// dropIfUnused forgets an inode with no name and no open file.
func (v *Vol) dropIfUnused(ino *inode) {
	if ino.attr.Nlink == 0 && ino.opens == 0 {
		delete(v.inodes, ino.attr.Gfid)
	}
}

func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return syscall.EINVAL
	case len(name) > 255:
		return syscall.ENAMETOOLONG
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' || name[i] == 0 {
			return syscall.EINVAL
		}
	}
	return nil
}

var _ fop.Volume = (*Vol)(nil)
