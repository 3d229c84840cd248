package fusefs

import (
	"context"
	"syscall"
)

// Getxattr reads one extended attribute. A dest too small, including the
// empty dest of a size probe, gets ERANGE and the size; go-fuse turns
// that into the size reply the kernel expects for a probe.
func (n *node) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	if attr == capabilityXattr {
		return n.getCapability(ctx, dest)
	}
	v, err := n.m.vol.Getxattr(ctx, n.gfid, attr)
	if err != nil {
		return 0, n.m.errno("getxattr", err)
	}
	return copyOut(dest, v)
}

// getCapability answers security.capability from the node's cache.
func (n *node) getCapability(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	mgen := n.m.capGen.Load()
	v, ok, gen := n.caps.get(mgen)
	if !ok {
		var err error
		v, err = n.m.vol.Getxattr(ctx, n.gfid, capabilityXattr)
		n.caps.put(gen, mgen, v, err)
		if err != nil {
			return 0, n.m.errno("getxattr", err)
		}
	}
	if v == nil {
		return 0, syscall.ENODATA
	}
	return copyOut(dest, v)
}

// Setxattr sets one extended attribute; flags are XATTR_CREATE and
// XATTR_REPLACE.
func (n *node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	defer n.caps.invalidate()
	if err := n.m.vol.Setxattr(ctx, n.gfid, attr, data, flags); err != nil {
		return n.m.errno("setxattr", err)
	}
	n.m.changes.inode(n.gfid)
	return 0
}

// Listxattr lists the names, each ending in NUL, as listxattr(2).
func (n *node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	names, err := n.m.vol.Listxattr(ctx, n.gfid)
	if err != nil {
		return 0, n.m.errno("listxattr", err)
	}
	size := 0
	for _, name := range names {
		size += len(name) + 1
	}
	buf := make([]byte, 0, size)
	for _, name := range names {
		buf = append(append(buf, name...), 0)
	}
	return copyOut(dest, buf)
}

// Removexattr removes one extended attribute.
func (n *node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	defer n.caps.invalidate()
	if err := n.m.vol.Removexattr(ctx, n.gfid, attr); err != nil {
		return n.m.errno("removexattr", err)
	}
	n.m.changes.inode(n.gfid)
	return 0
}

// copyOut copies v into dest, or reports ERANGE with the size needed.
func copyOut(dest, v []byte) (uint32, syscall.Errno) {
	if len(dest) < len(v) {
		return uint32(len(v)), syscall.ERANGE
	}
	return uint32(copy(dest, v)), 0
}
