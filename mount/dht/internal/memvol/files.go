package memvol

import (
	"context"
	"sort"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Getxattr returns an extended attribute.
func (v *Vol) Getxattr(_ context.Context, g fop.Gfid, name string) ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("getxattr"); err != nil {
		return nil, err
	}
	ino := v.inodes[g]
	if ino == nil {
		return nil, errf(syscall.ESTALE, "memvol %s: getxattr %s", v.Name, g)
	}
	val, ok := ino.xattrs[name]
	if !ok {
		return nil, errf(syscall.ENODATA, "memvol %s: getxattr %s %s", v.Name, g, name)
	}
	return append([]byte(nil), val...), nil
}

// Setxattr sets an extended attribute (flags ignored).
func (v *Vol) Setxattr(_ context.Context, g fop.Gfid, name string, value []byte, _ uint32) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("setxattr"); err != nil {
		return err
	}
	ino := v.inodes[g]
	if ino == nil {
		return errf(syscall.ESTALE, "memvol %s: setxattr %s", v.Name, g)
	}
	ino.xattrs[name] = append([]byte(nil), value...)
	return nil
}

// Listxattr lists the extended attributes.
func (v *Vol) Listxattr(_ context.Context, g fop.Gfid) ([]string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("listxattr"); err != nil {
		return nil, err
	}
	ino := v.inodes[g]
	if ino == nil {
		return nil, errf(syscall.ESTALE, "memvol %s: listxattr %s", v.Name, g)
	}
	var out []string
	for n := range ino.xattrs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// Removexattr removes an extended attribute.
func (v *Vol) Removexattr(_ context.Context, g fop.Gfid, name string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("removexattr"); err != nil {
		return err
	}
	ino := v.inodes[g]
	if ino == nil {
		return errf(syscall.ESTALE, "memvol %s: removexattr %s", v.Name, g)
	}
	if _, ok := ino.xattrs[name]; !ok {
		return errf(syscall.ENODATA, "memvol %s: removexattr %s %s", v.Name, g, name)
	}
	delete(ino.xattrs, name)
	return nil
}

// Open opens the file g.
func (v *Vol) Open(_ context.Context, g fop.Gfid, flags uint32) (fop.File, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("open"); err != nil {
		return nil, err
	}
	ino := v.inodes[g]
	switch {
	case ino == nil:
		return nil, errf(syscall.ESTALE, "memvol %s: open %s", v.Name, g)
	case isDir(ino.attr.Mode):
		return nil, errf(syscall.EISDIR, "memvol %s: open %s", v.Name, g)
	}
	if flags&syscall.O_TRUNC != 0 {
		ino.resize(0)
	}
	return &file{v: v, ino: ino, flags: flags}, nil
}

// seekData is lseek(2)'s SEEK_DATA.
const seekData = 3

// file is an open file of a Vol.
type file struct {
	v     *Vol
	ino   *inode
	flags uint32
}

func (f *file) Read(_ context.Context, dest []byte, off int64) (int, error) {
	f.v.mu.Lock()
	defer f.v.mu.Unlock()
	if off >= int64(len(f.ino.data)) {
		return 0, nil
	}
	return copy(dest, f.ino.data[off:]), nil
}

func (f *file) Write(_ context.Context, data []byte, off int64) (int, error) {
	f.v.mu.Lock()
	defer f.v.mu.Unlock()
	if f.flags&syscall.O_APPEND != 0 {
		off = int64(len(f.ino.data))
	}
	if end := uint64(off) + uint64(len(data)); end > uint64(len(f.ino.data)) {
		f.ino.resize(end)
	}
	copy(f.ino.data[off:], data)
	f.ino.attr.Mtime = stamp()
	return len(data), nil
}

func (f *file) Flush(context.Context, uint64) error                   { return nil }
func (f *file) Fsync(context.Context, bool) error                     { return nil }
func (f *file) Fallocate(context.Context, uint32, int64, int64) error { return nil }
func (f *file) Release(context.Context) error                         { return nil }
func (f *file) Setlk(context.Context, fop.Lock, bool) error           { return nil }

func (f *file) Lseek(_ context.Context, off int64, whence int) (int64, error) {
	f.v.mu.Lock()
	defer f.v.mu.Unlock()
	if off >= int64(len(f.ino.data)) {
		return 0, syscall.ENXIO
	}
	if whence == seekData {
		return off, nil
	}
	return int64(len(f.ino.data)), nil // SEEK_HOLE
}

func (f *file) Getlk(_ context.Context, lk fop.Lock) (fop.Lock, error) {
	lk.Type = fop.LockUnlock
	return lk, nil
}

// Opendir opens the directory g.
func (v *Vol) Opendir(_ context.Context, g fop.Gfid) (fop.Dir, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("opendir"); err != nil {
		return nil, err
	}
	d, err := v.dir(g)
	if err != nil {
		return nil, err
	}
	d.opendirs++
	return &dir{v: v, gfid: g, ino: d}, nil
}

// dir is an open directory of a Vol; cookies are insertion numbers.
type dir struct {
	v        *Vol
	gfid     fop.Gfid
	ino      *inode
	released bool
}

func (d *dir) Readdir(_ context.Context, cookie uint64, max int) ([]fop.Dirent, bool, error) {
	d.v.mu.Lock()
	defer d.v.mu.Unlock()
	if err := d.v.begin("readdir"); err != nil {
		return nil, false, err
	}
	dd, err := d.v.dir(d.gfid)
	if err != nil {
		return nil, false, err
	}
	var all []fop.Dirent
	for name, e := range dd.entries {
		if e.seq > cookie {
			all = append(all, fop.Dirent{Name: name, Cookie: e.seq, Entry: d.v.entry(d.v.inodes[e.gfid])})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Cookie < all[j].Cookie })
	if len(all) > max {
		return all[:max], false, nil
	}
	return all, true, nil
}

// Release closes the directory; a removed directory goes with its last
// Release.
func (d *dir) Release(context.Context) error {
	d.v.mu.Lock()
	defer d.v.mu.Unlock()
	if d.released {
		return errf(syscall.EBADF, "memvol %s: directory released twice", d.v.Name)
	}
	d.released = true
	d.v.calls["releasedir"]++
	if d.ino.opendirs--; d.ino.opendirs == 0 && d.ino.removed {
		delete(d.v.inodes, d.gfid)
	}
	return nil
}
