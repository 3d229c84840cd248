package dht

import (
	"context"
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Unlink removes the non-directory (parent, name): through a linkto, the
// data's name on its set first, then the linkto.
func (d *distribute) Unlink(ctx context.Context, parent fop.Gfid, name string) error {
	h := d.hashed(parent, name)
	e, err := d.sets[h].Lookup(ctx, parent, name)
	if err != nil {
		return err
	}
	if e.Linkto == "" {
		return d.sets[h].Unlink(ctx, parent, name)
	}
	t, err := d.setNamed(e.Linkto)
	if err != nil {
		return err
	}
	if t != h {
		if err := d.sets[t].Unlink(ctx, parent, name); err != nil && !isMissing(err) {
			return err
		}
	}
	return d.sets[h].Unlink(ctx, parent, name)
}

// Rmdir removes the directory (parent, name) from every set: after checking
// that no set holds a real entry in it (stale linkto files are removed), the
// other sets first, then the hashed set. If another set fails, the hashed
// set keeps the directory and lookup heals the rest.
func (d *distribute) Rmdir(ctx context.Context, parent fop.Gfid, name string) error {
	h := d.hashed(parent, name)
	e, err := d.sets[h].Lookup(ctx, parent, name)
	if err != nil {
		return err
	}
	if !isDir(e.Mode) {
		return fmt.Errorf("dht: rmdir %s/%s: %w", parent, name, syscall.ENOTDIR)
	}
	if err := d.emptyDir(ctx, e.Gfid); err != nil {
		return err
	}
	errs := d.parallel(h, func(i int) error {
		err := d.sets[i].Rmdir(ctx, parent, name)
		if isMissing(err) {
			return nil
		}
		return err
	})
	if err := firstErr(errs, nil); err != nil {
		return err
	}
	if err := d.sets[h].Rmdir(ctx, parent, name); err != nil {
		return err
	}
	d.locs.drop(e.Gfid)
	return nil
}

// emptyDir checks that the directory g holds no real entry on any set
// (ENOTEMPTY otherwise) and then removes the linkto files left in it: with
// no file in the directory they all point nowhere.
func (d *distribute) emptyDir(ctx context.Context, g fop.Gfid) error {
	stale := make([][]string, len(d.sets))
	errs := d.parallel(-1, func(i int) error {
		var err error
		stale[i], err = d.linktosOnly(ctx, i, g)
		return err
	})
	for _, err := range errs {
		if isErrno(err, syscall.ENOTEMPTY) {
			return err
		}
	}
	if err := firstErr(errs, nil); err != nil {
		return err
	}
	for i, names := range stale {
		for _, n := range names {
			d.log.Info("removing a stale linkto file", "dir", g, "name", n, "set", d.names[i])
			d.removeLinkto(ctx, i, g, n)
		}
	}
	return nil
}

// linktosOnly lists the directory g on set i and returns its linkto files,
// or ENOTEMPTY at the first real entry. A set without the directory is empty.
func (d *distribute) linktosOnly(ctx context.Context, i int, g fop.Gfid) ([]string, error) {
	dir, err := d.sets[i].Opendir(ctx, g)
	if isMissing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer releaseDir(ctx, dir)
	var linktos []string
	for cookie, eof := uint64(0), false; !eof; {
		var ents []fop.Dirent
		ents, eof, err = dir.Readdir(ctx, cookie, 256)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if e.Linkto == "" {
				return nil, fmt.Errorf("dht: directory %s has %q on set %s: %w", g, e.Name, d.names[i], syscall.ENOTEMPTY)
			}
			linktos = append(linktos, e.Name)
			cookie = e.Cookie
		}
		if len(ents) == 0 {
			break
		}
	}
	return linktos, nil
}

func releaseDir(ctx context.Context, dir fop.Dir) { _ = dir.Release(context.WithoutCancel(ctx)) }
