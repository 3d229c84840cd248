package posix

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// Dir is an open directory being listed. Cookies are the d_off values of
// the brick's filesystem (the position after an entry), so a listing
// resumes where it stopped even while entries are added or removed.
type Dir struct {
	Gfid gfid.Gfid
	b    *Brick
	// mu serialises Read: the fd's position is shared state.
	mu  sync.Mutex
	fd  int
	buf []byte
}

// Dirent is one entry of a directory page.
type Dirent struct {
	Name   string
	Cookie uint64 // resume point after this entry
	Attr   Attr   // Gfid zero when the entry has none
}

// Opendir opens directory g for listing, with a file position of its own.
func (b *Brick) Opendir(g gfid.Gfid) (*Dir, error) {
	in, err := b.ResolveDir(g)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	fd, err := openDirAt(in.fd, ".")
	if err != nil {
		return nil, err
	}
	b.odirs.inc(g)
	return &Dir{Gfid: g, b: b, fd: fd, buf: make([]byte, 32<<10)}, nil
}

// Close closes the directory.
func (d *Dir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fd >= 0 {
		closeFd(d.fd)
		d.fd = -1
		d.b.odirs.dec(d.Gfid)
	}
	return nil
}

// Read returns up to max entries after cookie (0: from the start), and
// whether the end was reached. "." and ".." and the root's .mortar are
// never listed.
func (d *Dir) Read(cookie uint64, max int) ([]Dirent, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fd < 0 {
		return nil, false, unix.EBADF
	}
	if _, err := seek(d.fd, int64(cookie), unix.SEEK_SET); err != nil {
		return nil, false, err
	}
	var out []Dirent
	for len(out) < max {
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = unix.Getdents(d.fd, d.buf)
			return err
		})
		if err != nil {
			return nil, false, err
		}
		if n == 0 {
			return out, true, nil
		}
		out = d.parse(d.buf[:n], out, max)
	}
	return out, false, nil
}

// parse appends the entries of one getdents64 buffer to out, up to max.
func (d *Dir) parse(buf []byte, out []Dirent, max int) []Dirent {
	for len(buf) >= 19 && len(out) < max {
		off := binary.NativeEndian.Uint64(buf[8:16])
		reclen := int(binary.NativeEndian.Uint16(buf[16:18]))
		if reclen < 19 || reclen > len(buf) {
			break
		}
		name := cstring(buf[19:reclen])
		buf = buf[reclen:]
		if name == "." || name == ".." || (d.Gfid == gfid.Root && name == MetaDir) {
			continue
		}
		a, err := entryAttr(d.fd, name)
		if errors.Is(err, unix.ENOENT) {
			continue // removed meanwhile
		}
		out = append(out, Dirent{Name: name, Cookie: off, Attr: a})
	}
	return out
}

// entryAttr reads the attributes of name in dirfd without opening it.
func entryAttr(dirfd int, name string) (Attr, error) {
	st, err := lstatAt(dirfd, name)
	if err != nil {
		return Attr{}, err
	}
	p := procEntry(dirfd, name)
	var g gfid.Gfid
	if v, err := getxattrPath(p, xattrGfid, false); err == nil && len(v) == len(g) {
		copy(g[:], v)
	}
	a := Attr{Gfid: g, Stat: st, Nlink: reportedNlink(g, &st)}
	if isPointerShaped(&st) {
		if v, err := getxattrPath(p, xattrLinkto, false); err == nil {
			a.Linkto = string(v)
		}
	}
	return a, nil
}

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
