package afr

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Operations on an inode by gfid: reads from one good brick, changes as
// metadata transactions (a size change as a data transaction).

// Getattr returns the attributes of g from a brick that holds good
// metadata and, for a file, good data (its size): never the arbiter for
// a file's size. Metadata split-brain is EIO.
func (s *Set) Getattr(ctx context.Context, g fop.Gfid) (fop.Entry, error) {
	if a, ok := s.parents.take(g); ok {
		return fop.Entry{Attr: a}, nil // a directory this set just made a file in
	}
	var out fop.Entry
	err := s.read(ctx, g, readAttr, func(i int) error {
		e, err := s.kids[i].Getattr(ctx, g)
		out = e
		return err
	})
	if err != nil {
		return fop.Entry{}, s.errorf("getattr", g, err)
	}
	s.noteType(g, out.Mode)
	out.Pending = nil
	return out, nil
}

// noteType records the file type of g in its cached health.
func (s *Set) noteType(g fop.Gfid, mode uint32) {
	s.health.update(g, func(h *health) *health {
		if h.typ == mode&syscall.S_IFMT {
			return h
		}
		c := *h
		c.typ = mode & syscall.S_IFMT
		return &c
	})
}

// Setattr changes attributes. A size change is a data transaction
// (joining the inode's eager window; the arbiter keeps no data); the
// rest is a metadata transaction. The attributes returned come from a
// data brick where the change succeeded.
func (s *Set) Setattr(ctx context.Context, g fop.Gfid, in fop.SetattrIn) (fop.Attr, error) {
	var out fop.Attr
	if in.Valid&fop.SetSize != 0 {
		attrs := make([]fop.Attr, len(s.kids))
		ok, err := s.dataOp(ctx, g, func(i int) error {
			a, err := s.kids[i].Setattr(ctx, g, fop.SetattrIn{Valid: fop.SetSize, Size: in.Size})
			attrs[i] = a
			return err
		}, nil)
		if err != nil {
			return fop.Attr{}, s.errorf("truncate", g, err)
		}
		out = attrs[s.pickOK(g, ok)]
		in.Valid &^= fop.SetSize
		if in.Valid == 0 {
			return out, nil
		}
	}
	attrs := make([]fop.Attr, len(s.kids))
	ok, err := s.transact(ctx, &txn{name: "setattr", kind: Metadata,
		locks: []lockTarget{inodeLock(g, MetadataDomain)}, marks: []fop.Gfid{g},
		op: func(ctx context.Context, i int) error {
			a, err := s.kids[i].Setattr(ctx, g, in)
			attrs[i] = a
			return err
		}})
	if err != nil {
		return fop.Attr{}, s.errorf("setattr", g, err)
	}
	return attrs[s.pickOK(g, ok)], nil
}

// Readlink reads a symlink's target from a brick with good data.
func (s *Set) Readlink(ctx context.Context, g fop.Gfid) (string, error) {
	var out string
	err := s.read(ctx, g, readMeta, func(i int) error {
		t, err := s.kids[i].Readlink(ctx, g)
		out = t
		return err
	})
	return out, s.errorf("readlink", g, err)
}

// Statfs reports the smallest capacity of the set's data bricks (and the
// fewest free inodes of any brick): what the set can still hold.
func (s *Set) Statfs(ctx context.Context, g fop.Gfid) (fop.Statfs, error) {
	up := s.connected()
	if err := s.canRead(up); err != nil {
		return fop.Statfs{}, s.errorf("statfs", g, err)
	}
	res := make([]fop.Statfs, len(s.kids))
	errs := s.each(up, func(i int) error {
		st, err := s.kids[i].Statfs(ctx, g)
		res[i] = st
		return err
	})
	var out fop.Statfs
	found := false
	for _, i := range s.order(okOf(errs, up)) {
		out, found = mergeStatfs(out, res[i], found, s.isArbiter(i)), true
	}
	if !found {
		return fop.Statfs{}, s.errorf("statfs", g, pickErr(errs, up))
	}
	return out, nil
}

// order lists the bricks in ok, data bricks first.
func (s *Set) order(ok []bool) []int {
	var out []int
	for i, b := range ok {
		if b && !s.isArbiter(i) {
			out = append(out, i)
		}
	}
	if s.arbiter >= 0 && ok[s.arbiter] {
		out = append(out, s.arbiter)
	}
	return out
}

// mergeStatfs folds st into acc: the smaller capacity (data bricks only,
// unless only the arbiter answers) and the fewer free inodes.
func mergeStatfs(acc, st fop.Statfs, have, arbiter bool) fop.Statfs {
	if !have {
		return st
	}
	if !arbiter && st.Bavail*uint64(st.Frsize) < acc.Bavail*uint64(acc.Frsize) {
		files, ffree := acc.Files, acc.Ffree
		acc = st
		acc.Files, acc.Ffree = files, ffree
	}
	if st.Ffree < acc.Ffree {
		acc.Files, acc.Ffree = st.Files, st.Ffree
	}
	acc.Namelen = min(acc.Namelen, st.Namelen)
	return acc
}

// Getxattr reads an extended attribute from a brick with good metadata.
func (s *Set) Getxattr(ctx context.Context, g fop.Gfid, name string) ([]byte, error) {
	var out []byte
	err := s.read(ctx, g, readMeta, func(i int) error {
		v, err := s.kids[i].Getxattr(ctx, g, name)
		out = v
		return err
	})
	return out, s.errorf("getxattr "+name+" of", g, err)
}

// Listxattr lists extended attributes from a brick with good metadata.
func (s *Set) Listxattr(ctx context.Context, g fop.Gfid) ([]string, error) {
	var out []string
	err := s.read(ctx, g, readMeta, func(i int) error {
		v, err := s.kids[i].Listxattr(ctx, g)
		out = v
		return err
	})
	return out, s.errorf("listxattr", g, err)
}

// Setxattr sets an extended attribute: a metadata transaction.
func (s *Set) Setxattr(ctx context.Context, g fop.Gfid, name string, value []byte, flags uint32) error {
	_, err := s.transact(ctx, &txn{name: "setxattr", kind: Metadata,
		locks: []lockTarget{inodeLock(g, MetadataDomain)}, marks: []fop.Gfid{g},
		op: func(ctx context.Context, i int) error {
			return s.kids[i].Setxattr(ctx, g, name, value, flags)
		}})
	return s.errorf("setxattr "+name+" of", g, err)
}

// Removexattr removes an extended attribute: a metadata transaction.
func (s *Set) Removexattr(ctx context.Context, g fop.Gfid, name string) error {
	_, err := s.transact(ctx, &txn{name: "removexattr", kind: Metadata,
		locks: []lockTarget{inodeLock(g, MetadataDomain)}, marks: []fop.Gfid{g},
		op: func(ctx context.Context, i int) error {
			return s.kids[i].Removexattr(ctx, g, name)
		}})
	return s.errorf("removexattr "+name+" of", g, err)
}
