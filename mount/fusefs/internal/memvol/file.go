package memvol

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// file is an open regular file; it keeps working after its last name is
// gone.
type file struct {
	v     *Vol
	gfid  fop.Gfid
	flags uint32
}

// Open opens an existing file.
func (v *Vol) Open(ctx context.Context, g fop.Gfid, flags uint32) (fop.File, error) {
	if err := v.enter("Open"); err != nil {
		return nil, err
	}
	defer v.mu.Unlock()
	_, f, err := v.openLocked(g, flags)
	return f, err
}

// openLocked opens g. Called with mu held.
func (v *Vol) openLocked(g fop.Gfid, flags uint32) (fop.Entry, fop.File, error) {
	ino, err := v.get(g)
	if err != nil {
		return fop.Entry{}, nil, err
	}
	if ino.dir != nil && flags&syscall.O_ACCMODE != syscall.O_RDONLY {
		return fop.Entry{}, nil, syscall.EISDIR
	}
	if flags&syscall.O_TRUNC != 0 && flags&syscall.O_ACCMODE != syscall.O_RDONLY {
		ino.resize(0)
		ino.attr.Mtime, ino.attr.Ctime = now(), now()
	}
	ino.opens++
	return ino.entry(), &file{v: v, gfid: g, flags: flags}, nil
}

// inode returns the open file's inode: it lives while the file is open.
// Called with mu held.
func (f *file) inode() *inode { return f.v.inodes[f.gfid] }

func (f *file) Read(ctx context.Context, dest []byte, off int64) (int, error) {
	if err := f.v.enter("Read"); err != nil {
		return 0, err
	}
	defer f.v.mu.Unlock()
	ino := f.inode()
	if f.flags&syscall.O_NOATIME == 0 {
		ino.relatime()
	}
	if off >= int64(len(ino.data)) {
		return 0, nil
	}
	return copy(dest, ino.data[off:]), nil
}

// relatime updates atime on a read as Linux's relatime does: when it is
// not after mtime or ctime, or a day old. ctime stays. Called with mu
// held.
func (ino *inode) relatime() {
	a, t := &ino.attr, now()
	if !later(a.Atime, a.Mtime) || !later(a.Atime, a.Ctime) || t.Sec-a.Atime.Sec >= 24*3600 {
		a.Atime = t
	}
}

// later reports whether a is after b.
func later(a, b fop.Timespec) bool {
	return a.Sec > b.Sec || a.Sec == b.Sec && a.Nsec > b.Nsec
}

func (f *file) Write(ctx context.Context, data []byte, off int64) (int, error) {
	if err := f.v.enter("Write"); err != nil {
		return 0, err
	}
	defer f.v.mu.Unlock()
	ino := f.inode()
	if f.flags&syscall.O_APPEND != 0 {
		off = int64(len(ino.data))
	}
	if end := off + int64(len(data)); end > int64(len(ino.data)) {
		ino.resize(end)
	}
	copy(ino.data[off:], data)
	ino.attr.Mtime, ino.attr.Ctime = now(), now()
	return len(data), nil
}

// Flush releases lockOwner's POSIX locks on the inode.
func (f *file) Flush(ctx context.Context, lockOwner uint64) error {
	if err := f.v.enter("Flush"); err != nil {
		return err
	}
	defer f.v.mu.Unlock()
	f.v.dropLocks(f.inode(), func(l *heldLock) bool { return !l.Flock && l.Owner == lockOwner })
	return nil
}

func (f *file) Fsync(ctx context.Context, datasync bool) error {
	if err := f.v.enter("Fsync"); err != nil {
		return err
	}
	f.v.mu.Unlock()
	return nil
}

// Fallocate supports allocation (mode 0 and KEEP_SIZE) and punching
// holes (PUNCH_HOLE|KEEP_SIZE).
func (f *file) Fallocate(ctx context.Context, mode uint32, off, length int64) error {
	if err := f.v.enter("Fallocate"); err != nil {
		return err
	}
	defer f.v.mu.Unlock()
	ino := f.inode()
	const keepSize, punchHole = 1, 2
	switch mode {
	case 0:
		if off+length > int64(len(ino.data)) {
			ino.resize(off + length)
		}
	case keepSize:
	case punchHole | keepSize:
		end := min(off+length, int64(len(ino.data)))
		if off < end {
			clear(ino.data[off:end])
		}
	default:
		return syscall.EOPNOTSUPP
	}
	ino.attr.Ctime = now()
	return nil
}

// Lseek treats the whole file as data.
func (f *file) Lseek(ctx context.Context, off int64, whence int) (int64, error) {
	if err := f.v.enter("Lseek"); err != nil {
		return 0, err
	}
	defer f.v.mu.Unlock()
	size := int64(len(f.inode().data))
	const seekData, seekHole = 3, 4
	switch {
	case whence != seekData && whence != seekHole:
		return 0, syscall.EINVAL
	case off >= size:
		return 0, syscall.ENXIO
	case whence == seekData:
		return off, nil
	}
	return size, nil
}

// Release closes the file and drops the locks taken through it.
func (f *file) Release(ctx context.Context) error {
	if err := f.v.enter("Release"); err != nil {
		return err
	}
	defer f.v.mu.Unlock()
	ino := f.inode()
	f.v.dropLocks(ino, func(l *heldLock) bool { return l.file == f })
	ino.opens--
	f.v.dropIfUnused(ino)
	return nil
}
