package posix

import (
	"strings"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// Client extended attributes: user.*, trusted.*, security.* and the POSIX
// ACLs pass through; trusted.mortar.* is the brick's own and does not
// exist for clients (hidden from lists, ENODATA to read, EPERM to write).

// xattrSizeMax is the largest value Linux stores (XATTR_SIZE_MAX).
const xattrSizeMax = 64 << 10

// internalXattr reports whether name belongs to the brick.
func internalXattr(name string) bool {
	return name == "trusted.mortar" || strings.HasPrefix(name, xattrPrefix)
}

// checkXattrName refuses names the brick does not pass through.
func checkXattrName(name string) error {
	switch {
	case name == "" || strings.IndexByte(name, 0) >= 0:
		return unix.EINVAL
	case len(name) > 255:
		return unix.ERANGE
	}
	for _, p := range []string{"user.", "trusted.", "security."} {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			return nil
		}
	}
	if name == "system.posix_acl_access" || name == "system.posix_acl_default" {
		return nil
	}
	return unix.EOPNOTSUPP
}

// Getxattr reads attribute name of g.
func (b *Brick) Getxattr(g gfid.Gfid, name string) ([]byte, error) {
	if err := checkXattrName(name); err != nil {
		return nil, err
	}
	if internalXattr(name) {
		return nil, unix.ENODATA
	}
	in, err := b.Resolve(g)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return in.getxattr(name)
}

// Setxattr sets attribute name of g (flags XATTR_CREATE, XATTR_REPLACE).
func (b *Brick) Setxattr(g gfid.Gfid, name string, value []byte, flags int) error {
	if err := checkXattrName(name); err != nil {
		return err
	}
	switch {
	case internalXattr(name):
		return unix.EPERM
	case flags&^(unix.XATTR_CREATE|unix.XATTR_REPLACE) != 0:
		return unix.EINVAL
	case len(value) > xattrSizeMax:
		return unix.E2BIG
	}
	in, err := b.Resolve(g)
	if err != nil {
		return err
	}
	defer in.Close()
	return in.setxattr(name, value, flags)
}

// Listxattr lists the attribute names of g that clients may see.
func (b *Brick) Listxattr(g gfid.Gfid) ([]string, error) {
	in, err := b.Resolve(g)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	names, err := in.listxattr()
	if err != nil {
		return nil, err
	}
	out := names[:0]
	for _, n := range names {
		if !internalXattr(n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Removexattr removes attribute name of g.
func (b *Brick) Removexattr(g gfid.Gfid, name string) error {
	if err := checkXattrName(name); err != nil {
		return err
	}
	if internalXattr(name) {
		return unix.EPERM
	}
	in, err := b.Resolve(g)
	if err != nil {
		return err
	}
	defer in.Close()
	return in.removexattr(name)
}
