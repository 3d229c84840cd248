package posix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

const (
	xattrGfid    = "trusted.mortar.gfid"
	xattrLinkto  = "trusted.mortar.linkto"
	xattrPending = "trusted.mortar.pending."
	xattrPrefix  = "trusted.mortar."
	brickJSON    = "brick.json"
)

// initLayout opens the brick root and makes or checks everything of
// .mortar: brick.json, handles/ (and which of its directories exist),
// index/dirty/ and its base file, unlink/ (emptied), and the root's gfid.
func (b *Brick) initLayout(volumeID string) error {
	fd, err := openat(unix.AT_FDCWD, b.path, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return fmt.Errorf("brick %s: not an accessible directory: %w", b.path, err)
	}
	b.root = fd
	if _, err := lstatAt(unix.AT_FDCWD, procPath(fd)); err != nil {
		return fmt.Errorf("brick %s: the brick server needs /proc mounted (it reaches inodes through /proc/self/fd): %w", b.path, err)
	}
	if err := b.initRootGfid(); err != nil {
		return err
	}
	steps := []struct {
		at   *int
		dir  *int
		name string
	}{
		{&b.root, &b.meta, MetaDir},
		{&b.meta, &b.handles, "handles"},
		{&b.meta, nil, "index"},
		{&b.meta, &b.dirty, "index/dirty"},
		{&b.meta, &b.unlinked, "unlink"},
	}
	for _, s := range steps {
		if err := b.mkdirOpen(*s.at, s.name, s.dir); err != nil {
			return err
		}
	}
	if err := b.initInfo(volumeID); err != nil {
		return err
	}
	if err := b.loadFanout(); err != nil {
		return err
	}
	if err := b.initDirtyBase(); err != nil {
		return fmt.Errorf("brick %s: dirty index base: %w", b.path, err)
	}
	return b.emptyUnlinked()
}

// initRootGfid gives the root the root gfid, or checks that it has it. It
// is also the check that the filesystem takes trusted.* xattrs.
func (b *Brick) initRootGfid() error {
	root := fdRef(b.root)
	v, err := root.getxattr(xattrGfid)
	if errors.Is(err, unix.ENODATA) {
		err = root.setxattr(xattrGfid, gfid.Root[:], unix.XATTR_CREATE)
		if err == nil {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("brick %s: the filesystem must support trusted.* extended attributes and the brick server must run as root: %w", b.path, err)
	}
	if !bytes.Equal(v, gfid.Root[:]) {
		return fmt.Errorf("brick %s: root has gfid %x, not the root gfid: it belongs to something else", b.path, v)
	}
	return nil
}

// mkdirOpen makes the directory name beneath at (if missing) and opens it
// into *dir (when dir is not nil). A symlink is refused.
func (b *Brick) mkdirOpen(at int, name string, dir *int) error {
	if err := mkdirat(at, name, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("brick %s: mkdir %s: %w", b.path, name, err)
	}
	if dir == nil {
		return nil
	}
	fd, err := openat(at, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("brick %s: open %s: %w", b.path, name, err)
	}
	*dir = fd
	return nil
}

// initInfo reads brick.json, or writes a new one with a random brick id and
// the given (or a random) volume id.
func (b *Brick) initInfo(volumeID string) error {
	raw, err := readSmallFile(b.meta, brickJSON)
	if errors.Is(err, unix.ENOENT) {
		return b.writeInfo(volumeID)
	}
	if err != nil {
		return fmt.Errorf("brick %s: read .mortar/%s: %w", b.path, brickJSON, err)
	}
	if err := json.Unmarshal(raw, &b.info); err != nil {
		return fmt.Errorf("brick %s: .mortar/%s: %w", b.path, brickJSON, err)
	}
	for _, id := range []string{b.info.BrickID, b.info.VolumeID} {
		if _, err := gfid.Parse(id); err != nil {
			return fmt.Errorf("brick %s: .mortar/%s: bad id %q", b.path, brickJSON, id)
		}
	}
	if volumeID != "" && volumeID != b.info.VolumeID {
		return fmt.Errorf("brick %s belongs to volume %s, not %s", b.path, b.info.VolumeID, volumeID)
	}
	return nil
}

func (b *Brick) writeInfo(volumeID string) error {
	if volumeID == "" {
		volumeID = gfid.New().String()
	} else if _, err := gfid.Parse(volumeID); err != nil {
		return fmt.Errorf("brick %s: volume id %q is not a uuid", b.path, volumeID)
	}
	b.info = Info{BrickID: gfid.New().String(), VolumeID: volumeID}
	raw, err := json.MarshalIndent(b.info, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(b.meta, brickJSON, append(raw, '\n')); err != nil {
		return fmt.Errorf("brick %s: write .mortar/%s: %w", b.path, brickJSON, err)
	}
	return nil
}

// emptyUnlinked deletes the leftovers of files unlinked while open when the
// server last stopped.
func (b *Brick) emptyUnlinked() error {
	names, err := readNames(b.unlinked)
	if err != nil {
		return fmt.Errorf("brick %s: read .mortar/unlink: %w", b.path, err)
	}
	for _, n := range names {
		if err := unlinkat(b.unlinked, n, 0); err != nil {
			b.log.Warn("cannot remove unlinked leftover", "brick", b.path, "name", n, "err", err)
		}
	}
	return nil
}
