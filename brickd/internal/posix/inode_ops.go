package posix

import (
	"math"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// Setattr valid bits (the wire's SetattrValid).
const (
	SetMode     = 1
	SetUid      = 2
	SetGid      = 4
	SetSize     = 8
	SetAtime    = 16
	SetMtime    = 32
	SetAtimeNow = 64
	SetMtimeNow = 128
)

// SetattrIn says what Setattr changes.
type SetattrIn struct {
	Valid        uint32
	Mode         uint32 // permission bits
	Uid, Gid     uint32
	Size         uint64
	Atime, Mtime unix.Timespec
}

// Setattr changes the attributes of g, in the order owner, mode, size,
// times, and returns them before and after. A size change goes through f
// when it is given (ftruncate of the client's open file).
func (b *Brick) Setattr(g gfid.Gfid, in SetattrIn, f *File) (pre, post Attr, err error) {
	if err := in.check(); err != nil {
		return Attr{}, Attr{}, err
	}
	node, err := b.Resolve(g)
	if err != nil {
		return Attr{}, Attr{}, err
	}
	defer node.Close()
	if pre, err = node.attr(); err != nil {
		return Attr{}, Attr{}, err
	}
	steps := []func(*Inode, SetattrIn, *File) error{setOwner, setMode, setSize, setTimes}
	for _, step := range steps {
		if err := step(node, in, f); err != nil {
			return Attr{}, Attr{}, err
		}
	}
	post, err = node.attr()
	return pre, post, err
}

// check refuses malformed values.
func (in SetattrIn) check() error {
	for _, t := range []unix.Timespec{in.Atime, in.Mtime} {
		if t.Nsec < 0 || t.Nsec >= 1e9 {
			return unix.EINVAL
		}
	}
	if in.Valid&SetSize != 0 && in.Size > math.MaxInt64 {
		return unix.EFBIG
	}
	return nil
}

func setOwner(node *Inode, in SetattrIn, _ *File) error {
	if in.Valid&(SetUid|SetGid) == 0 {
		return nil
	}
	uid, gid := -1, -1
	if in.Valid&SetUid != 0 {
		uid = int(in.Uid)
	}
	if in.Valid&SetGid != 0 {
		gid = int(in.Gid)
	}
	return fchownFd(node.fd, uid, gid)
}

func setMode(node *Inode, in SetattrIn, _ *File) error {
	if in.Valid&SetMode == 0 {
		return nil
	}
	if isLnk(&node.st) {
		return unix.EOPNOTSUPP // as fchmodat(AT_SYMLINK_NOFOLLOW) on Linux
	}
	return node.chmod(in.Mode & 0o7777)
}

func setSize(node *Inode, in SetattrIn, f *File) error {
	switch {
	case in.Valid&SetSize == 0:
		return nil
	case node.IsDir():
		return unix.EISDIR
	case !isReg(&node.st):
		return unix.EINVAL
	case f != nil:
		return f.Truncate(int64(in.Size))
	}
	return node.truncate(int64(in.Size))
}

func setTimes(node *Inode, in SetattrIn, _ *File) error {
	omit := unix.Timespec{Nsec: unix.UTIME_OMIT}
	now := unix.Timespec{Nsec: unix.UTIME_NOW}
	ts := []unix.Timespec{omit, omit}
	for i, v := range []struct {
		set, setNow uint32
		t           unix.Timespec
	}{{SetAtime, SetAtimeNow, in.Atime}, {SetMtime, SetMtimeNow, in.Mtime}} {
		switch {
		case in.Valid&v.setNow != 0:
			ts[i] = now
		case in.Valid&v.set != 0:
			ts[i] = v.t
		}
	}
	if ts[0] == omit && ts[1] == omit {
		return nil
	}
	return node.utimens(ts)
}

// Readlink returns the target of the symlink g (EINVAL for anything else).
func (b *Brick) Readlink(g gfid.Gfid) (string, error) {
	in, err := b.Resolve(g)
	if err != nil {
		return "", err
	}
	defer in.Close()
	if !isLnk(&in.st) {
		return "", unix.EINVAL
	}
	return readlinkFd(in.fd)
}

// Statfs returns the capacity of the brick's filesystem.
func (b *Brick) Statfs() (unix.Statfs_t, error) {
	var st unix.Statfs_t
	err := ignoringEINTR(func() error { return unix.Fstatfs(b.root, &st) })
	return st, err
}
