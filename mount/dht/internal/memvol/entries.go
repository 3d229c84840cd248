package memvol

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

var _ fop.Volume = (*Vol)(nil)

// Lookup finds (parent, name).
func (v *Vol) Lookup(_ context.Context, parent fop.Gfid, name string) (fop.Entry, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("lookup"); err != nil {
		return fop.Entry{}, err
	}
	d, err := v.dir(parent)
	if err != nil {
		return fop.Entry{}, err
	}
	e, ok := d.entries[name]
	if !ok {
		return fop.Entry{}, errf(syscall.ENOENT, "memvol %s: lookup %s/%s", v.Name, parent, name)
	}
	return v.entry(v.inodes[e.gfid]), nil
}

// Getattr returns the inode g.
func (v *Vol) Getattr(_ context.Context, g fop.Gfid) (fop.Entry, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("getattr"); err != nil {
		return fop.Entry{}, err
	}
	ino := v.inodes[g]
	if ino == nil {
		return fop.Entry{}, errf(syscall.ESTALE, "memvol %s: getattr %s", v.Name, g)
	}
	return v.entry(ino), nil
}

// Setattr changes the attributes of g.
func (v *Vol) Setattr(_ context.Context, g fop.Gfid, in fop.SetattrIn) (fop.Attr, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("setattr"); err != nil {
		return fop.Attr{}, err
	}
	ino := v.inodes[g]
	if ino == nil {
		return fop.Attr{}, errf(syscall.ESTALE, "memvol %s: setattr %s", v.Name, g)
	}
	a := &ino.attr
	if in.Valid&fop.SetMode != 0 {
		a.Mode = a.Mode&syscall.S_IFMT | in.Mode&0o7777
	}
	if in.Valid&fop.SetUid != 0 {
		a.Uid = in.Uid
	}
	if in.Valid&fop.SetGid != 0 {
		a.Gid = in.Gid
	}
	if in.Valid&fop.SetSize != 0 {
		ino.resize(in.Size)
	}
	if in.Valid&fop.SetAtime != 0 {
		a.Atime = in.Atime
	}
	if in.Valid&fop.SetMtime != 0 {
		a.Mtime = in.Mtime
	}
	a.Ctime = stamp()
	return *a, nil
}

func (ino *inode) resize(n uint64) {
	if n <= uint64(len(ino.data)) {
		ino.data = ino.data[:n]
	} else {
		ino.data = append(ino.data, make([]byte, n-uint64(len(ino.data)))...)
	}
	ino.attr.Size = n
	ino.attr.Blocks = (n + 511) / 512
}

// add makes (parent, name) a new inode g; v.mu must be held.
func (v *Vol) add(op string, parent fop.Gfid, name string, g fop.Gfid, mode uint32, c fop.Caller) (*inode, error) {
	if err := v.begin(op); err != nil {
		return nil, err
	}
	d, err := v.dir(parent)
	if err != nil {
		return nil, err
	}
	if _, ok := d.entries[name]; ok {
		return nil, errf(syscall.EEXIST, "memvol %s: %s %s/%s", v.Name, op, parent, name)
	}
	if g.IsZero() || v.inodes[g] != nil {
		return nil, errf(syscall.EEXIST, "memvol %s: %s %s/%s: gfid %s in use", v.Name, op, parent, name, g)
	}
	ino := v.newInode(g, mode, c)
	v.link(d, name, ino)
	return ino, nil
}

// link adds the entry name → ino to directory d; v.mu must be held.
func (v *Vol) link(d *inode, name string, ino *inode) {
	v.seq++
	d.entries[name] = dent{gfid: ino.attr.Gfid, seq: v.seq}
	if isDir(ino.attr.Mode) {
		d.attr.Nlink++
	}
	d.attr.Mtime, d.attr.Ctime = stamp(), stamp()
}

// Create makes and opens a regular file; without O_EXCL an existing one is opened.
func (v *Vol) Create(ctx context.Context, parent fop.Gfid, name string, flags uint32, in fop.NewInode) (fop.Entry, fop.File, error) {
	v.mu.Lock()
	if d, err := v.dir(parent); err == nil && flags&syscall.O_EXCL == 0 {
		if e, ok := d.entries[name]; ok {
			v.mu.Unlock()
			f, err := v.Open(ctx, e.gfid, flags)
			if err != nil {
				return fop.Entry{}, nil, err
			}
			got, _ := v.Getattr(ctx, e.gfid)
			return got, f, nil
		}
	}
	defer v.mu.Unlock()
	ino, err := v.add("create", parent, name, in.Gfid, syscall.S_IFREG|in.Mode&0o7777, in.Caller)
	if err != nil {
		return fop.Entry{}, nil, err
	}
	return v.entry(ino), &file{v: v, ino: ino, flags: flags}, nil
}

// Mkdir makes a directory.
func (v *Vol) Mkdir(_ context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	ino, err := v.add("mkdir", parent, name, in.Gfid, syscall.S_IFDIR|in.Mode&0o7777, in.Caller)
	if err != nil {
		return fop.Entry{}, err
	}
	return v.entry(ino), nil
}

// Mknod makes a special or empty regular file.
func (v *Vol) Mknod(_ context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	ino, err := v.add("mknod", parent, name, in.Gfid, in.Mode, in.Caller)
	if err != nil {
		return fop.Entry{}, err
	}
	ino.attr.Rdev = in.Rdev
	return v.entry(ino), nil
}

// MknodLinkto makes a dht pointer file. As on a brick, a gfid already in
// use on the volume is EEXIST.
func (v *Vol) MknodLinkto(_ context.Context, parent fop.Gfid, name string, g fop.Gfid, setName string) (fop.Entry, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	ino, err := v.add("mknod-linkto", parent, name, g, syscall.S_IFREG|syscall.S_ISVTX, fop.Caller{})
	if err != nil {
		return fop.Entry{}, err
	}
	ino.linkto = setName
	return v.entry(ino), nil
}

// Symlink makes a symbolic link.
func (v *Vol) Symlink(_ context.Context, parent fop.Gfid, name, target string, in fop.NewInode) (fop.Entry, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	ino, err := v.add("symlink", parent, name, in.Gfid, syscall.S_IFLNK|0o777, in.Caller)
	if err != nil {
		return fop.Entry{}, err
	}
	ino.target = target
	ino.attr.Size = uint64(len(target))
	return v.entry(ino), nil
}

// Link adds a name to the inode g.
func (v *Vol) Link(_ context.Context, g, newParent fop.Gfid, newName string) (fop.Entry, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("link"); err != nil {
		return fop.Entry{}, err
	}
	ino := v.inodes[g]
	if ino == nil {
		return fop.Entry{}, errf(syscall.ESTALE, "memvol %s: link %s", v.Name, g)
	}
	if isDir(ino.attr.Mode) {
		return fop.Entry{}, errf(syscall.EPERM, "memvol %s: link of directory %s", v.Name, g)
	}
	d, err := v.dir(newParent)
	if err != nil {
		return fop.Entry{}, err
	}
	if _, ok := d.entries[newName]; ok {
		return fop.Entry{}, errf(syscall.EEXIST, "memvol %s: link %s/%s", v.Name, newParent, newName)
	}
	ino.attr.Nlink++
	ino.attr.Ctime = stamp()
	v.link(d, newName, ino)
	return v.entry(ino), nil
}

// Readlink returns a symlink's target.
func (v *Vol) Readlink(_ context.Context, g fop.Gfid) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("readlink"); err != nil {
		return "", err
	}
	ino := v.inodes[g]
	if ino == nil {
		return "", errf(syscall.ESTALE, "memvol %s: readlink %s", v.Name, g)
	}
	if ino.attr.Mode&syscall.S_IFMT != syscall.S_IFLNK {
		return "", errf(syscall.EINVAL, "memvol %s: readlink %s", v.Name, g)
	}
	return ino.target, nil
}

// Statfs returns the capacity set by SetStatfs.
func (v *Vol) Statfs(_ context.Context, _ fop.Gfid) (fop.Statfs, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("statfs"); err != nil {
		return fop.Statfs{}, err
	}
	return v.statfs, nil
}

// Watch sets the sink of Emit.
func (v *Vol) Watch(fn func(fop.Event)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.sink = fn
}

// Close marks the volume closed.
func (v *Vol) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.closed = true
	return nil
}
