package dht

import (
	"context"
	"fmt"

	"github.com/mortarfs/mortar/mount/fop"
)

// Operations by gfid: a file's go to its set; a directory's changes go to
// its reference set first, then to the others; its reads to the reference set.

// Setattr changes the attributes of g. A directory's result merges what
// every set answered (mergeDir), as Getattr does.
func (d *distribute) Setattr(ctx context.Context, g fop.Gfid, in fop.SetattrIn) (fop.Attr, error) {
	var out fop.Attr
	err := d.onInode(ctx, g, func(l loc) error {
		res := make([]*fop.Attr, len(d.sets))
		err := d.change(ctx, g, l, "setattr", func(i int) error {
			a, err := d.sets[i].Setattr(ctx, g, in)
			if err == nil {
				res[i] = &a
			}
			return err
		})
		out, _ = mergeDir(res)
		return err
	})
	return out, err
}

// change runs fn on the set of a file, or on every set of a directory: the
// reference set first (its error is the result), then the others in
// parallel (their errors are logged; lookup heals what it can).
func (d *distribute) change(ctx context.Context, g fop.Gfid, l loc, op string, fn func(i int) error) error {
	if err := fn(l.set); err != nil || !l.dir {
		return err
	}
	errs := d.parallel(l.set, fn)
	for i, err := range errs {
		if err != nil {
			d.log.Warn("directory change failed on a set", "op", op, "gfid", g, "set", d.names[i], "err", err)
		}
	}
	return nil
}

// Readlink returns the target of the symlink g.
func (d *distribute) Readlink(ctx context.Context, g fop.Gfid) (string, error) {
	var out string
	err := d.onInode(ctx, g, func(l loc) error {
		var err error
		out, err = d.sets[l.set].Readlink(ctx, g)
		return err
	})
	return out, err
}

// Open opens the file g on its set. dht keeps no state per open file.
func (d *distribute) Open(ctx context.Context, g fop.Gfid, flags uint32) (fop.File, error) {
	var out fop.File
	err := d.onInode(ctx, g, func(l loc) error {
		var err error
		out, err = d.sets[l.set].Open(ctx, g, flags)
		return err
	})
	return out, err
}

// Getxattr reads an attribute of g.
func (d *distribute) Getxattr(ctx context.Context, g fop.Gfid, name string) ([]byte, error) {
	var out []byte
	err := d.onInode(ctx, g, func(l loc) error {
		var err error
		out, err = d.sets[l.set].Getxattr(ctx, g, name)
		return err
	})
	return out, err
}

// Listxattr lists the attributes of g.
func (d *distribute) Listxattr(ctx context.Context, g fop.Gfid) ([]string, error) {
	var out []string
	err := d.onInode(ctx, g, func(l loc) error {
		var err error
		out, err = d.sets[l.set].Listxattr(ctx, g)
		return err
	})
	return out, err
}

// Setxattr sets an attribute of g.
func (d *distribute) Setxattr(ctx context.Context, g fop.Gfid, name string, value []byte, flags uint32) error {
	return d.onInode(ctx, g, func(l loc) error {
		return d.change(ctx, g, l, "setxattr", func(i int) error {
			return d.sets[i].Setxattr(ctx, g, name, value, flags)
		})
	})
}

// Removexattr removes an attribute of g.
func (d *distribute) Removexattr(ctx context.Context, g fop.Gfid, name string) error {
	return d.onInode(ctx, g, func(l loc) error {
		return d.change(ctx, g, l, "removexattr", func(i int) error {
			return d.sets[i].Removexattr(ctx, g, name)
		})
	})
}

// Statfs sums the capacity of every set that answers, in blocks of the
// first answering set's fragment size.
func (d *distribute) Statfs(ctx context.Context, g fop.Gfid) (fop.Statfs, error) {
	res := make([]fop.Statfs, len(d.sets))
	errs := d.parallel(-1, func(i int) error {
		var err error
		res[i], err = d.sets[i].Statfs(ctx, fop.RootGfid)
		return err
	})
	var out fop.Statfs
	for i, s := range res {
		if errs[i] != nil {
			d.log.Debug("statfs: set not answering", "set", d.names[i], "err", errs[i])
			continue
		}
		addStatfs(&out, s)
	}
	if out.Frsize == 0 {
		return fop.Statfs{}, fmt.Errorf("dht: statfs %s: %w", g, firstErr(errs, nil))
	}
	return out, nil
}

// addStatfs adds s to sum, converting s's blocks to sum's fragment size.
func addStatfs(sum *fop.Statfs, s fop.Statfs) {
	frsize := uint64(s.Frsize)
	if frsize == 0 {
		frsize = uint64(s.Bsize)
	}
	if frsize == 0 {
		frsize = 4096
	}
	if sum.Frsize == 0 {
		sum.Frsize, sum.Bsize, sum.Namelen = uint32(frsize), s.Bsize, s.Namelen
	}
	scale := func(n uint64) uint64 { return n * frsize / uint64(sum.Frsize) }
	sum.Blocks += scale(s.Blocks)
	sum.Bfree += scale(s.Bfree)
	sum.Bavail += scale(s.Bavail)
	sum.Files += s.Files
	sum.Ffree += s.Ffree
	sum.Namelen = min(sum.Namelen, s.Namelen)
}
