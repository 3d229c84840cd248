package posix

import (
	"errors"
	"strings"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// The handle index (.mortar/handles/xx/yy/<uuid>): a hard link of every
// non-directory inode, a symlink "../../px/py/<parent uuid>/<name>" for
// every directory. Handle paths are relative to b.handles and contain only
// names this package made, so their directories are never symlinks.

// dirHandleTarget is the content of a directory's handle symlink.
func dirHandleTarget(parent gfid.Gfid, name string) string {
	return "../../" + parent.HandlePath() + "/" + name
}

// parseDirHandle parses a directory handle's target. Anything but the exact
// shape written by dirHandleTarget is refused (ESTALE): a forged handle can
// only name a (parent gfid, one name) pair, and the opened directory's gfid
// is verified after that anyway.
func parseDirHandle(target string) (gfid.Gfid, string, error) {
	parts := strings.Split(target, "/")
	if len(parts) != 6 || parts[0] != ".." || parts[1] != ".." {
		return gfid.Gfid{}, "", unix.ESTALE
	}
	p, err := gfid.Parse(parts[4])
	if err != nil || p.String() != parts[4] || p.HandleDir() != parts[2]+"/"+parts[3] {
		return gfid.Gfid{}, "", unix.ESTALE
	}
	name := parts[5]
	if ValidateName(name) != nil || reserved(p, name) {
		return gfid.Gfid{}, "", unix.ESTALE
	}
	return p, name, nil
}

// withHandleDir runs op, which makes an entry in g's handle directory
// xx/yy, after making that directory when it is not known to exist
// (fanout.go). When op finds it missing all the same (ENOENT: removed
// behind the brick's back), it is made again and op runs once more.
func (b *Brick) withHandleDir(g gfid.Gfid, op func() error) error {
	if !b.fan.has(g) {
		if err := b.makeHandleDir(g); err != nil {
			return err
		}
	}
	err := op()
	if !errors.Is(err, unix.ENOENT) {
		return err
	}
	b.fan.forget(g)
	if err := b.makeHandleDir(g); err != nil {
		return err
	}
	return op()
}

// linkHandle makes the hard-link handle of the non-directory fd (any fd,
// O_PATH included; a symlink is linked itself).
func (b *Brick) linkHandle(g gfid.Gfid, fd int) error {
	return b.withHandleDir(g, func() error {
		return linkFd(fd, b.handles, g.HandlePath())
	})
}

// newDirHandle makes the handle symlink of the new directory g at (parent,
// name). It fails with EEXIST when g has a handle.
func (b *Brick) newDirHandle(g, parent gfid.Gfid, name string) error {
	return b.withHandleDir(g, func() error {
		return symlinkat(dirHandleTarget(parent, name), b.handles, g.HandlePath())
	})
}

// symlinkDirHandle makes (or atomically replaces) the handle symlink of
// directory g, now at (parent, name).
func (b *Brick) symlinkDirHandle(g, parent gfid.Gfid, name string) error {
	target := dirHandleTarget(parent, name)
	tmp := g.HandleDir() + "/.tmp-" + gfid.New().String()
	err := b.withHandleDir(g, func() error {
		return symlinkat(target, b.handles, tmp)
	})
	if err != nil {
		return err
	}
	if err := renameat2(b.handles, tmp, b.handles, g.HandlePath(), 0); err != nil {
		_ = unlinkat(b.handles, tmp, 0)
		return err
	}
	return nil
}

// removeHandle deletes g's handle; a missing one is not an error.
func (b *Brick) removeHandle(g gfid.Gfid) error {
	err := unlinkat(b.handles, g.HandlePath(), 0)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

// parkHandle moves the handle of g, whose last name is gone while it is
// still open, to .mortar/unlink/<uuid>.
func (b *Brick) parkHandle(g gfid.Gfid) error {
	return renameat2(b.handles, g.HandlePath(), b.unlinked, g.String(), 0)
}

// dropParked deletes the parked handle of g.
func (b *Brick) dropParked(g gfid.Gfid) error {
	err := unlinkat(b.unlinked, g.String(), 0)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}
