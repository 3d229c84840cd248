package posix

import (
	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// openFlags are the open(2) flags a client may ask for. O_CREAT, O_EXCL
// and O_NOCTTY are the business of Create; O_DIRECT is dropped (the
// brick's own buffers are not aligned for it, and the client's page cache
// is the client's business); O_NONBLOCK, O_PATH, O_DIRECTORY, O_TMPFILE
// make no sense on a brick.
const openFlags = unix.O_ACCMODE | unix.O_APPEND | unix.O_TRUNC | unix.O_SYNC |
	unix.O_DSYNC | unix.O_NOATIME | unix.O_LARGEFILE

// File is an open regular file of the brick.
type File struct {
	b     *Brick
	Gfid  gfid.Gfid
	fd    int
	flags int
}

// Open opens the regular file g with open(2) flags.
func (b *Brick) Open(g gfid.Gfid, flags int) (*File, Attr, error) {
	in, err := b.Resolve(g)
	if err != nil {
		return nil, Attr{}, err
	}
	defer in.Close()
	return b.openRegular(in, flags)
}

// openRegular reopens in, which must be a regular file, through its magic
// link with the client's flags, and counts the open.
func (b *Brick) openRegular(in *Inode, flags int) (*File, Attr, error) {
	unlock := b.inodes.lock(in.Gfid)
	defer unlock()
	st, err := in.stat()
	switch {
	case err != nil || (st.Nlink == 0 && !in.Gfid.IsZero()):
		return nil, Attr{}, unix.ESTALE // removed meanwhile
	case in.IsDir():
		return nil, Attr{}, unix.EISDIR
	case isLnk(&st):
		return nil, Attr{}, unix.ELOOP
	case !isReg(&st):
		return nil, Attr{}, unix.ENXIO // the brick never opens devices, fifos or sockets
	case flags&unix.O_ACCMODE == unix.O_ACCMODE:
		return nil, Attr{}, unix.EINVAL
	}
	fd, err := openat(unix.AT_FDCWD, procPath(in.fd), flags&openFlags, 0)
	if err != nil {
		return nil, Attr{}, err
	}
	f := &File{b: b, Gfid: in.Gfid, fd: fd, flags: flags & openFlags}
	a, err := f.Stat()
	if err != nil {
		closeFd(fd)
		return nil, Attr{}, err
	}
	if !in.Gfid.IsZero() {
		b.opens.inc(in.Gfid)
	}
	return f, a, nil
}

// Readable and Writable report the access mode the file was opened with.
func (f *File) Readable() bool { return f.flags&unix.O_ACCMODE != unix.O_WRONLY }
func (f *File) Writable() bool { return f.flags&unix.O_ACCMODE != unix.O_RDONLY }

// Stat returns the file's attributes.
func (f *File) Stat() (Attr, error) {
	st, err := fstat(f.fd)
	if err != nil {
		return Attr{}, err
	}
	return attrOf(f.Gfid, st, fdRef(f.fd)), nil
}

// ReadAt reads up to len(p) bytes at off; fewer only at end of file.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if !f.Readable() {
		return 0, unix.EBADF
	}
	done := 0
	for done < len(p) {
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = unix.Pread(f.fd, p[done:], off+int64(done))
			return err
		})
		if err != nil {
			return done, err
		}
		if n == 0 {
			break
		}
		done += n
	}
	return done, nil
}

// WriteAt writes p at off (at the end of the file when it was opened with
// O_APPEND: Linux pwrite appends on such an fd).
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if !f.Writable() {
		return 0, unix.EBADF
	}
	done := 0
	for done < len(p) {
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = unix.Pwrite(f.fd, p[done:], off+int64(done))
			return err
		})
		if err != nil {
			return done, err
		}
		done += n
	}
	return done, nil
}

// Sync flushes the file to disk (data only when datasync).
func (f *File) Sync(datasync bool) error {
	if datasync {
		return ignoringEINTR(func() error { return unix.Fdatasync(f.fd) })
	}
	return ignoringEINTR(func() error { return unix.Fsync(f.fd) })
}

// Allocate is fallocate(2).
func (f *File) Allocate(mode uint32, off, length int64) error {
	if !f.Writable() {
		return unix.EBADF
	}
	return ignoringEINTR(func() error { return unix.Fallocate(f.fd, mode, off, length) })
}

// Seek answers SEEK_DATA and SEEK_HOLE.
func (f *File) Seek(off int64, whence int) (int64, error) {
	if whence != unix.SEEK_DATA && whence != unix.SEEK_HOLE {
		return 0, unix.EINVAL
	}
	return seek(f.fd, off, whence)
}

// Truncate sets the file's size.
func (f *File) Truncate(size int64) error {
	if !f.Writable() {
		return unix.EINVAL
	}
	return ignoringEINTR(func() error { return unix.Ftruncate(f.fd, size) })
}

// Close closes the file; the last close of an inode whose last name was
// removed deletes its parked handle.
func (f *File) Close() error {
	closeFd(f.fd)
	if f.Gfid.IsZero() {
		return nil
	}
	unlock := f.b.inodes.lock(f.Gfid)
	defer unlock()
	if !f.b.opens.dec(f.Gfid) {
		return nil
	}
	if err := f.b.dropParked(f.Gfid); err != nil {
		return err
	}
	return f.b.dropDirty(f.Gfid)
}
