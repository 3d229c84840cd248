package posix

import (
	"log/slog"
	"sync"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// Options tune a Brick.
type Options struct {
	// VolumeID, when set, must match brick.json (or is written into a new one).
	VolumeID string
	// DirCacheSize bounds the cache of open directory fds (0: 1024).
	DirCacheSize int
	Logger       *slog.Logger
}

// Brick is one brick directory, open.
type Brick struct {
	log  *slog.Logger
	path string // for logs only: nothing is opened by path after Open
	info Info

	// Directory fds of the layout, opened once by Open.
	root     int // the brick root
	meta     int // .mortar
	handles  int // .mortar/handles
	dirty    int // .mortar/index/dirty
	unlinked int // .mortar/unlink

	dirs   *dirCache
	fan    fanout       // which handle directories exist
	inodes shardedMutex // serialises name-count changes and xattrops per gfid
	dindex dirtyIndex   // the dirty index's base file
	opens  openCounts
	odirs  openDirs

	closeOnce sync.Once
}

// Info is the identity of a brick, from its brick.json.
type Info struct {
	BrickID  string `json:"brick_id"`
	VolumeID string `json:"volume_id"`
}

var umaskOnce sync.Once

// Open opens the brick directory at path, initialising its .mortar layout
// where missing (layout.go). It sets the process umask to 0, once: the
// caller's umask comes with each request (NewInode.Umask).
func Open(path string, o Options) (*Brick, error) {
	umaskOnce.Do(func() { unix.Umask(0) })
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.DirCacheSize == 0 {
		o.DirCacheSize = 1024
	}
	b := &Brick{
		log: o.Logger, path: path,
		root: -1, meta: -1, handles: -1, dirty: -1, unlinked: -1,
		dirs:  newDirCache(o.DirCacheSize),
		opens: openCounts{n: make(map[gfid.Gfid]int), parked: make(map[gfid.Gfid]bool)},
	}
	if err := b.initLayout(o.VolumeID); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Info returns the brick's identity.
func (b *Brick) Info() Info { return b.info }

// Path returns the path the brick was opened at (for logs).
func (b *Brick) Path() string { return b.path }

// Dev returns the device and inode of the brick root, to detect a
// directory served twice.
func (b *Brick) Dev() (uint64, uint64, error) {
	st, err := fstat(b.root)
	return st.Dev, st.Ino, err
}

// Close closes the brick's fds. Open Files and Inodes must be closed first.
func (b *Brick) Close() error {
	b.closeOnce.Do(func() {
		b.dirs.close()
		b.odirs.close()
		for _, fd := range []int{b.unlinked, b.dirty, b.handles, b.meta, b.root} {
			closeFd(fd)
		}
	})
	return nil
}

// shardedMutex serialises operations per gfid with a fixed set of mutexes.
type shardedMutex [64]sync.Mutex

// lock locks the shards of gs in a fixed order and returns the unlock.
func (s *shardedMutex) lock(gs ...gfid.Gfid) func() {
	var idx [64]bool
	for _, g := range gs {
		idx[g[15]%64] = true
	}
	var held []int
	for i := range idx {
		if idx[i] {
			s[i].Lock()
			held = append(held, i)
		}
	}
	return func() {
		for _, i := range held {
			s[i].Unlock()
		}
	}
}
