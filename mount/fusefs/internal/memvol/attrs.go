package memvol

import (
	"context"
	"sort"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Getattr returns the inode's attributes.
func (v *Vol) Getattr(ctx context.Context, g fop.Gfid) (fop.Entry, error) {
	if err := v.enter("Getattr"); err != nil {
		return fop.Entry{}, err
	}
	defer v.mu.Unlock()
	ino, err := v.get(g)
	if err != nil {
		return fop.Entry{}, err
	}
	return ino.entry(), nil
}

// Setattr changes attributes and returns them after the change.
func (v *Vol) Setattr(ctx context.Context, g fop.Gfid, in fop.SetattrIn) (fop.Attr, error) {
	if err := v.enter("Setattr"); err != nil {
		return fop.Attr{}, err
	}
	defer v.mu.Unlock()
	ino, err := v.get(g)
	if err != nil {
		return fop.Attr{}, err
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
		if ino.dir != nil {
			return fop.Attr{}, syscall.EISDIR
		}
		ino.resize(int64(in.Size))
		a.Mtime = now()
	}
	setTime(&a.Atime, in.Valid, fop.SetAtime, fop.SetAtimeNow, in.Atime)
	setTime(&a.Mtime, in.Valid, fop.SetMtime, fop.SetMtimeNow, in.Mtime)
	a.Ctime = now()
	return ino.entry().Attr, nil
}

func setTime(t *fop.Timespec, valid, set, setNow uint32, to fop.Timespec) {
	switch {
	case valid&setNow != 0:
		*t = now()
	case valid&set != 0:
		*t = to
	}
}

// resize truncates or extends the data with zeros, doubling the
// capacity when it grows.
func (ino *inode) resize(size int64) {
	old := int64(len(ino.data))
	switch {
	case size <= old:
		ino.data = ino.data[:size]
	case size <= int64(cap(ino.data)):
		ino.data = ino.data[:size]
		clear(ino.data[old:])
	default:
		data := make([]byte, size, max(size, 2*int64(cap(ino.data))))
		copy(data, ino.data)
		ino.data = data
	}
}

// Statfs reports a fixed capacity.
func (v *Vol) Statfs(ctx context.Context, g fop.Gfid) (fop.Statfs, error) {
	if err := v.enter("Statfs"); err != nil {
		return fop.Statfs{}, err
	}
	defer v.mu.Unlock()
	return fop.Statfs{
		Blocks: 1 << 20, Bfree: 1 << 19, Bavail: 1 << 18,
		Files: 1 << 16, Ffree: 1<<16 - uint64(len(v.inodes)),
		Bsize: 4096, Frsize: 4096, Namelen: 255,
	}, nil
}

// Getxattr reads an extended attribute.
func (v *Vol) Getxattr(ctx context.Context, g fop.Gfid, name string) ([]byte, error) {
	if err := v.enter("Getxattr"); err != nil {
		return nil, err
	}
	defer v.mu.Unlock()
	ino, err := v.get(g)
	if err != nil {
		return nil, err
	}
	val, ok := ino.xattrs[name]
	if !ok {
		return nil, syscall.ENODATA
	}
	return append([]byte(nil), val...), nil
}

// Setxattr sets an extended attribute (XATTR_CREATE, XATTR_REPLACE).
func (v *Vol) Setxattr(ctx context.Context, g fop.Gfid, name string, value []byte, flags uint32) error {
	if err := v.enter("Setxattr"); err != nil {
		return err
	}
	defer v.mu.Unlock()
	ino, err := v.get(g)
	if err != nil {
		return err
	}
	_, exists := ino.xattrs[name]
	switch {
	case flags&1 != 0 && exists:
		return syscall.EEXIST
	case flags&2 != 0 && !exists:
		return syscall.ENODATA
	}
	ino.xattrs[name] = append([]byte(nil), value...)
	if name == aclAccess {
		ino.attr.Mode = ino.attr.Mode&^0o777 | aclMode(value, ino.attr.Mode&0o777)
	}
	ino.attr.Ctime = now()
	return nil
}

const (
	aclAccess  = "system.posix_acl_access"
	aclDefault = "system.posix_acl_default"
)

// aclMode is the permission bits an access ACL implies, as a local file
// system sets them: owner from USER_OBJ, group from MASK (or GROUP_OBJ
// without a mask), other from OTHER. A malformed ACL keeps old.
func aclMode(acl []byte, old uint32) uint32 {
	const userObj, groupObj, mask, other = 0x01, 0x04, 0x10, 0x20
	if len(acl) < 4 || (len(acl)-4)%8 != 0 {
		return old
	}
	perm := map[uint16]uint32{}
	for e := acl[4:]; len(e) >= 8; e = e[8:] {
		perm[uint16(e[0])|uint16(e[1])<<8] = uint32(e[2]) & 7
	}
	group, ok := perm[mask]
	if !ok {
		group = perm[groupObj]
	}
	return perm[userObj]<<6 | group<<3 | perm[other]
}

// Listxattr lists the names, sorted.
func (v *Vol) Listxattr(ctx context.Context, g fop.Gfid) ([]string, error) {
	if err := v.enter("Listxattr"); err != nil {
		return nil, err
	}
	defer v.mu.Unlock()
	ino, err := v.get(g)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ino.xattrs))
	for n := range ino.xattrs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Removexattr removes an extended attribute.
func (v *Vol) Removexattr(ctx context.Context, g fop.Gfid, name string) error {
	if err := v.enter("Removexattr"); err != nil {
		return err
	}
	defer v.mu.Unlock()
	ino, err := v.get(g)
	if err != nil {
		return err
	}
	if _, ok := ino.xattrs[name]; !ok {
		return syscall.ENODATA
	}
	delete(ino.xattrs, name)
	ino.attr.Ctime = now()
	return nil
}
