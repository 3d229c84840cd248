package posix

import (
	"errors"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// maxDepth bounds the walk up a chain of directory handles: a path of
// PATH_MAX bytes has at most 2048 components.
const maxDepth = 4096

// Resolve returns the inode of g. Unknown gfids are ESTALE.
func (b *Brick) Resolve(g gfid.Gfid) (*Inode, error) {
	if g.IsZero() {
		return nil, unix.EINVAL
	}
	if g == gfid.Root || b.dirs.has(g) {
		return b.resolveDir(g)
	}
	r, err := b.openHandle(g)
	if err == unix.ESTALE {
		if pfd, ok := b.odirs.dup(g); ok {
			r, err = fdRef(pfd), nil // a directory removed while open
		}
	}
	if err != nil {
		return nil, err
	}
	in := &Inode{Gfid: g, ref: r}
	if _, err := in.stat(); err != nil {
		in.Close()
		return nil, err
	}
	if !isLnk(&in.st) {
		return in, nil
	}
	// A symlink is a symlink inode (its hard link carries its gfid) or a
	// directory handle (which has no xattrs).
	if own, _ := readGfid(r); own == g {
		return in, nil
	}
	in.Close()
	return b.resolveDir(g)
}

// openHandle opens the handle of g, in handles/ or, for an inode unlinked
// while open, in unlink/, as an O_PATH fd.
func (b *Brick) openHandle(g gfid.Gfid) (ref, error) {
	fd, err := openPath(b.handles, g.HandlePath())
	if errors.Is(err, unix.ENOENT) {
		fd, err = openPath(b.unlinked, g.String())
	}
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return ref{fd: -1}, unix.ESTALE
	}
	return pathRef(fd), err
}

// resolveDir returns the directory inode of g.
func (b *Brick) resolveDir(g gfid.Gfid) (*Inode, error) {
	fd, err := b.openDir(g)
	if err != nil {
		return nil, err
	}
	in := &Inode{Gfid: g, ref: fdRef(fd)}
	if _, err := in.stat(); err != nil {
		in.Close()
		return nil, err
	}
	return in, nil
}

// openDir returns an fd of directory g. It retries once after a miss,
// which a concurrent rename of an ancestor can cause.
func (b *Brick) openDir(g gfid.Gfid) (int, error) {
	fd, err := b.openDirOnce(g)
	if errors.Is(err, unix.ESTALE) {
		fd, err = b.openDirOnce(g)
	}
	return fd, err
}

// link is one step of a directory's chain of handles: dir is the entry
// name of parent.
type link struct {
	dir, parent gfid.Gfid
	name        string
}

// openDirOnce walks up g's handles to a cached directory (or the root),
// then opens each directory down from there with O_NOFOLLOW, verifying
// every gfid and caching every directory it opens.
func (b *Brick) openDirOnce(g gfid.Gfid) (int, error) {
	if g == gfid.Root {
		return dupFd(b.root)
	}
	if fd, ok := b.dirs.dup(g); ok {
		return fd, nil
	}
	var chain []link
	var top int
	for cur := g; ; {
		p, name, err := b.readDirHandle(cur)
		if err != nil {
			return -1, err
		}
		chain = append(chain, link{cur, p, name})
		if fd, ok := b.topDir(p); ok {
			top = fd
			break
		}
		if len(chain) >= maxDepth {
			return -1, unix.ESTALE
		}
		cur = p
	}
	return b.openChain(top, chain)
}

// topDir returns an fd of p when it is the root or cached.
func (b *Brick) topDir(p gfid.Gfid) (int, bool) {
	if p == gfid.Root {
		fd, err := dupFd(b.root)
		return fd, err == nil
	}
	return b.dirs.dup(p)
}

// openChain opens chain (deepest first) down from the fd top, which it
// consumes.
func (b *Brick) openChain(top int, chain []link) (int, error) {
	fd := top
	for i := len(chain) - 1; i >= 0; i-- {
		l := chain[i]
		child, err := openDirAt(fd, l.name)
		closeFd(fd)
		if err != nil {
			return -1, staleIfMissing(err)
		}
		if got, err := readGfid(fdRef(child)); err != nil || got != l.dir {
			closeFd(child)
			return -1, unix.ESTALE
		}
		b.dirs.add(l.dir, child)
		fd = child
	}
	return fd, nil
}

// readDirHandle reads and parses the handle symlink of directory g.
func (b *Brick) readDirHandle(g gfid.Gfid) (gfid.Gfid, string, error) {
	target, err := readlinkAt(b.handles, g.HandlePath())
	if err != nil {
		// ENOENT: no such gfid; EINVAL: the handle is not a symlink.
		return gfid.Gfid{}, "", unix.ESTALE
	}
	return parseDirHandle(target)
}

// staleIfMissing turns the errors of a vanished or replaced path into
// ESTALE.
func staleIfMissing(err error) error {
	switch {
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR), errors.Is(err, unix.ELOOP):
		return unix.ESTALE
	}
	return err
}

// ResolveDir returns the directory inode of g: ENOTDIR when g is not a
// directory.
func (b *Brick) ResolveDir(g gfid.Gfid) (*Inode, error) {
	in, err := b.Resolve(g)
	if err != nil {
		return nil, err
	}
	if !in.IsDir() {
		in.Close()
		return nil, unix.ENOTDIR
	}
	return in, nil
}
