package afr

import (
	"context"

	"github.com/mortarfs/mortar/mount/fop"
)

// dir is an open directory of the set, listed from one brick that holds
// good entries (not the arbiter, whose files have no size). Readdir
// cookies are that brick's, so a Dir stays on it; a listing that fails
// before its first entry moves to the next good brick. It implements
// fop.Dir.
type dir struct {
	s    *Set
	gfid fop.Gfid
	i    int // the brick listed
	d    fop.Dir
}

var _ fop.Dir = (*dir)(nil)

// Opendir opens g on one brick with good entries, failing over.
func (s *Set) Opendir(ctx context.Context, g fop.Gfid) (fop.Dir, error) {
	var out *dir
	err := s.read(ctx, g, readEntry, func(i int) error {
		d, err := s.kids[i].Opendir(ctx, g)
		if err == nil {
			out = &dir{s: s, gfid: g, i: i, d: d}
		}
		return err
	})
	if err != nil {
		return nil, s.errorf("opendir", g, err)
	}
	return out, nil
}

// Readdir lists the directory from its brick.
func (d *dir) Readdir(ctx context.Context, cookie uint64, max int) ([]fop.Dirent, bool, error) {
	ents, eof, err := d.d.Readdir(ctx, cookie, max)
	if err != nil && cookie == 0 && failover(err) {
		if err = d.moveOn(ctx); err == nil {
			ents, eof, err = d.d.Readdir(ctx, cookie, max)
		}
	}
	if err != nil {
		return nil, false, d.s.errorf("readdir", d.gfid, err)
	}
	for k := range ents {
		ents[k].Pending = nil
	}
	return ents, eof, nil
}

// moveOn opens the directory on another good brick.
func (d *dir) moveOn(ctx context.Context) error {
	failed := d.i
	return d.s.read(ctx, d.gfid, readEntry, func(i int) error {
		if i == failed {
			return errNoSource
		}
		nd, err := d.s.kids[i].Opendir(ctx, d.gfid)
		if err != nil {
			return err
		}
		_ = d.d.Release(context.WithoutCancel(ctx))
		d.i, d.d = i, nd
		return nil
	})
}

// Release closes the directory on its brick.
func (d *dir) Release(ctx context.Context) error {
	return d.d.Release(ctx)
}
