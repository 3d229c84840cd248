package fusefs

import (
	"context"
	"errors"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fop"
)

// readdirPage is how many entries one fop.Dir.Readdir call asks for.
const readdirPage = 1024

var errCookieStuck = errors.New("fusefs: readdir cookie does not advance")

// dirHandle is an open directory: the volume's fop.Dir, open from
// opendir to releasedir, and a snapshot of the listing. Holding the
// fop.Dir keeps a directory removed meanwhile resolvable below (fstat of
// an open, removed directory works, with nlink 0). Its first read after
// opendir or rewinddir reads the whole directory into the snapshot,
// served with offsets index+1: the listing is stable while others create
// and remove entries, and every entry appears once. The snapshot costs
// memory in proportion to the directory (a name and a stat per entry)
// for as long as the handle is open; that is the price of a stable
// listing and of READDIRPLUS without a lookup per entry.
type dirHandle struct {
	n *node
	d fop.Dir

	mu      sync.Mutex
	loaded  bool
	epoch   uint64 // changeLog epoch of the snapshot
	entries []dirEntry
	pos     int // index of the next entry
	cur     fuse.DirEntry
}

type dirEntry struct {
	name string
	attr fop.Attr // zero Gfid: not known, look it up
}

// OpendirHandle opens a directory in the volume. Nothing is listed until
// the first readdir: opening a directory to fchdir, fsync or openat in
// it costs the open alone.
func (n *node) OpendirHandle(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	d, err := n.m.vol.Opendir(ctx, n.gfid)
	if err != nil {
		return nil, 0, n.m.errno("opendir", err)
	}
	return &dirHandle{n: n, d: d}, 0, 0
}

// Readdirent returns the next entry, nil at the end.
func (h *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.loaded {
		if errno := h.load(ctx); errno != 0 {
			return nil, errno
		}
	}
	if h.pos >= len(h.entries) {
		return nil, 0
	}
	e := &h.entries[h.pos]
	h.pos++
	h.cur = fuse.DirEntry{Name: e.name, Mode: e.attr.Mode & syscall.S_IFMT, Off: uint64(h.pos)}
	if !e.attr.Gfid.IsZero() {
		h.cur.Ino = e.attr.Gfid.Ino()
	}
	return &h.cur, 0
}

// load reads the directory into the snapshot, "." and ".." first.
func (h *dirHandle) load(ctx context.Context) syscall.Errno {
	m := h.n.m
	epoch := m.changes.begin()
	entries, err := h.readAll(ctx)
	if err != nil {
		m.changes.end(epoch)
		return m.errno("readdir", err)
	}
	h.loaded, h.epoch, h.entries, h.pos = true, epoch, entries, 0
	return 0
}

// readAll lists the whole directory from the start.
func (h *dirHandle) readAll(ctx context.Context) ([]dirEntry, error) {
	entries := []dirEntry{
		{name: ".", attr: fop.Attr{Gfid: h.n.gfid, Mode: syscall.S_IFDIR}},
		{name: "..", attr: fop.Attr{Gfid: h.parentGfid(), Mode: syscall.S_IFDIR}},
	}
	var cookie uint64
	for {
		page, eof, err := h.d.Readdir(ctx, cookie, readdirPage)
		if err != nil {
			return nil, err
		}
		for i := range page {
			if page[i].Name != "." && page[i].Name != ".." {
				entries = append(entries, dirEntry{name: page[i].Name, attr: page[i].Attr})
			}
		}
		if eof || len(page) == 0 {
			return entries, nil
		}
		next := page[len(page)-1].Cookie
		if next == cookie {
			return nil, errCookieStuck
		}
		cookie = next
	}
}

// parentGfid is the gfid of a parent of the directory, as far as the
// kernel has shown it to us; the root is its own parent.
func (h *dirHandle) parentGfid() fop.Gfid {
	if _, p := h.n.Parent(); p != nil {
		if pn, ok := p.Operations().(*node); ok {
			return pn.gfid
		}
	}
	if h.n.gfid == fop.RootGfid {
		return fop.RootGfid
	}
	return fop.Gfid{}
}

// Lookup answers READDIRPLUS's lookup of the entry just returned from the
// snapshot. An entry without a gfid, or one that changed since the
// snapshot was read, is looked up for real.
func (h *dirHandle) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	h.mu.Lock()
	var e dirEntry
	if h.pos > 0 && h.pos <= len(h.entries) {
		e = h.entries[h.pos-1]
	}
	epoch := h.epoch
	h.mu.Unlock()
	var child *fs.Inode
	var errno syscall.Errno
	if e.name != name || e.attr.Gfid.IsZero() || h.n.m.changes.stale(epoch, h.n.gfid, name, e.attr.Gfid) {
		child, errno = h.n.Lookup(ctx, name, out)
	} else {
		child, errno = inode(h.n.entered(ctx, &e.attr, out))
	}
	if errno == 0 {
		h.n.m.timeouts.entryOut(out)
	}
	return child, errno
}

// Seekdir moves to offset off: 0 is rewinddir, which takes a new
// snapshot on the next read.
func (h *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	h.mu.Lock()
	defer h.mu.Unlock()
	if off == 0 {
		h.drop()
		return 0
	}
	if !h.loaded {
		if errno := h.load(ctx); errno != 0 {
			return errno
		}
	}
	h.pos = int(min(off, uint64(len(h.entries))))
	return 0
}

// Fsyncdir succeeds: the volume has no directory fsync, and its
// namespace operations are complete when they return.
func (h *dirHandle) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno { return 0 }

// Releasedir frees the snapshot and closes the directory in the volume.
func (h *dirHandle) Releasedir(ctx context.Context, releaseFlags uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.drop()
	if err := h.d.Release(ctx); err != nil {
		h.n.m.log.Debug("fusefs: releasing a directory", "gfid", h.n.gfid.String(), "err", err)
	}
}

func (h *dirHandle) drop() {
	if h.loaded {
		h.n.m.changes.end(h.epoch)
	}
	h.loaded, h.entries, h.pos = false, nil, 0
}
