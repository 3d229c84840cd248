package posix

import (
	"errors"
	"sync"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// The dirty index: .mortar/index/dirty/<gfid> exists while any changelog
// counter of the inode is non-zero. Entries are hard links to one empty
// base file, .mortar/index/base, as GlusterFS's index translator does:
// making an entry allocates no inode. (ext4 skips inodes freed within the
// last journal commit when it allocates one, scanning further for each,
// so creating and removing a file per transaction cost hundreds of
// microseconds under load; a link costs a directory entry.) A base that
// reaches the filesystem's link limit is replaced by a new one; entries
// keep pointing at the old one, which lives on while they do.

// dirtyBase is the base file of the dirty index, relative to .mortar.
const dirtyBase = "index/base"

// dirtyIndex owns the base file of the dirty index.
type dirtyIndex struct {
	mu sync.Mutex // serialises replacing the base
}

// markDirty makes the dirty index entry of g (it may exist already).
func (b *Brick) markDirty(g gfid.Gfid) error {
	err := b.linkDirty(g)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EMLINK) {
		if err = b.newDirtyBase(); err == nil {
			err = b.linkDirty(g)
		}
	}
	return err
}

// linkDirty links the base to the entry of g; an entry already there is
// success.
func (b *Brick) linkDirty(g gfid.Gfid) error {
	err := ignoringEINTR(func() error { return unix.Linkat(b.meta, dirtyBase, b.dirty, g.String(), 0) })
	if errors.Is(err, unix.EEXIST) {
		return nil
	}
	return err
}

// newDirtyBase puts a new empty base file in place (atomically: the base
// is always there once the brick is open).
func (b *Brick) newDirtyBase() error {
	b.dindex.mu.Lock()
	defer b.dindex.mu.Unlock()
	tmp := dirtyBase + ".tmp-" + gfid.New().String()
	fd, err := openat(b.meta, tmp, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	closeFd(fd)
	if err := renameat2(b.meta, tmp, b.meta, dirtyBase, 0); err != nil {
		_ = unlinkat(b.meta, tmp, 0)
		return err
	}
	return nil
}

// initDirtyBase makes the base file when the brick has none.
func (b *Brick) initDirtyBase() error {
	var st unix.Stat_t
	err := ignoringEINTR(func() error { return unix.Fstatat(b.meta, dirtyBase, &st, unix.AT_SYMLINK_NOFOLLOW) })
	switch {
	case errors.Is(err, unix.ENOENT):
		return b.newDirtyBase()
	case err != nil:
		return err
	case !isReg(&st):
		return unix.EEXIST
	}
	return nil
}

// dropDirty removes the dirty index entry of g, if any.
func (b *Brick) dropDirty(g gfid.Gfid) error {
	err := unlinkat(b.dirty, g.String(), 0)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

// Dirty lists the gfids of the dirty index.
func (b *Brick) Dirty() ([]gfid.Gfid, error) {
	names, err := readNames(b.dirty)
	if err != nil {
		return nil, err
	}
	var out []gfid.Gfid
	for _, n := range names {
		if g, err := gfid.Parse(n); err == nil {
			out = append(out, g)
		}
	}
	return out, nil
}
