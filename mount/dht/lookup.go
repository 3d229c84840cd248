package dht

import (
	"context"
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Lookup finds (parent, name) on its hashed set, following a linkto file to
// the set with the data. A directory is looked up on every set, healed
// where it is missing, and its times merged.
func (d *distribute) Lookup(ctx context.Context, parent fop.Gfid, name string) (fop.Entry, error) {
	h := d.hashed(parent, name)
	e, err := d.sets[h].Lookup(ctx, parent, name)
	switch {
	case err != nil && !isErrno(err, syscall.ENOENT):
		return d.lookupElsewhere(ctx, h, parent, name, err)
	case err != nil:
		return fop.Entry{}, err
	case e.Linkto != "":
		return d.followLinkto(ctx, h, parent, name, e)
	case isDir(e.Mode):
		return d.lookupDir(ctx, h, parent, name, e)
	}
	d.locs.put(e.Gfid, loc{set: h})
	return e, nil
}

// followLinkto looks up (parent, name) on the set the linkto file lt on set
// h names. A linkto whose target is gone is stale: ENOENT.
func (d *distribute) followLinkto(ctx context.Context, h int, parent fop.Gfid, name string, lt fop.Entry) (fop.Entry, error) {
	t, err := d.setNamed(lt.Linkto)
	if err != nil {
		return fop.Entry{}, err
	}
	if t == h {
		return fop.Entry{}, fmt.Errorf("dht: %s/%s: linkto on set %s names itself: %w", parent, name, d.names[h], syscall.EIO)
	}
	e, err := d.sets[t].Lookup(ctx, parent, name)
	if err != nil {
		return fop.Entry{}, err
	}
	if e.Linkto != "" || isDir(e.Mode) {
		d.log.Warn("linkto target is not a file", "parent", parent, "name", name, "set", d.names[t])
		return fop.Entry{}, fmt.Errorf("dht: %s/%s: linkto on set %s leads to no file: %w", parent, name, d.names[h], syscall.ENOENT)
	}
	d.locs.put(e.Gfid, loc{set: t})
	return e, nil
}

// lookupDir completes the lookup of a directory found on its hashed set h:
// it looks it up on the other sets, creates it where it is missing, and
// merges the copies (mergeDir).
func (d *distribute) lookupDir(ctx context.Context, h int, parent fop.Gfid, name string, e fop.Entry) (fop.Entry, error) {
	ents := make([]fop.Entry, len(d.sets))
	errs := d.parallel(h, func(i int) error {
		var err error
		ents[i], err = d.sets[i].Lookup(ctx, parent, name)
		if isErrno(err, syscall.ENOENT) {
			ents[i], err = d.healDir(ctx, i, parent, name, e)
		}
		return err
	})
	ents[h] = e
	d.logDirCopies(parent, name, ents, errs, h)
	merged := e
	merged.Attr, _ = mergeDir(dirCopies(ents, errs, e.Gfid))
	d.locs.put(e.Gfid, loc{set: h, dir: true})
	return merged, nil
}

// logDirCopies logs the sets where the directory (parent, name), found as
// ents[h] on its hashed set, is unavailable or another inode.
func (d *distribute) logDirCopies(parent fop.Gfid, name string, ents []fop.Entry, errs []error, h int) {
	for i, o := range ents {
		switch {
		case i == h:
		case errs[i] != nil:
			d.log.Debug("directory not available on a set", "parent", parent, "name", name, "set", d.names[i], "err", errs[i])
		case !isDir(o.Mode) || o.Gfid != ents[h].Gfid:
			d.log.Warn("directory conflicts with another inode on a set", "parent", parent, "name", name,
				"set", d.names[i], "gfid", ents[h].Gfid, "other", o.Gfid)
		}
	}
}

// healDir creates the directory e, missing on set i, with its gfid, mode
// and owner.
func (d *distribute) healDir(ctx context.Context, i int, parent fop.Gfid, name string, e fop.Entry) (fop.Entry, error) {
	in := fop.NewInode{Gfid: e.Gfid, Mode: e.Mode & 07777, Caller: fop.Caller{Uid: e.Uid, Gid: e.Gid}}
	got, err := d.sets[i].Mkdir(ctx, parent, name, in)
	if isErrno(err, syscall.EEXIST) { // made meanwhile by someone else
		return d.sets[i].Lookup(ctx, parent, name)
	}
	if err != nil {
		d.log.Warn("directory self-heal failed", "parent", parent, "name", name, "set", d.names[i], "err", err)
		return fop.Entry{}, err
	}
	d.log.Info("directory self-heal: created missing directory", "parent", parent, "name", name, "set", d.names[i], "gfid", e.Gfid)
	return got, nil
}

// lookupElsewhere is the lookup of (parent, name) when its hashed set h
// failed with herr (down): a directory is still found on the other sets.
// Files of the hashed set stay unavailable (herr).
func (d *distribute) lookupElsewhere(ctx context.Context, h int, parent fop.Gfid, name string, herr error) (fop.Entry, error) {
	if len(d.sets) == 1 {
		return fop.Entry{}, herr
	}
	ents := make([]fop.Entry, len(d.sets))
	errs := d.parallel(h, func(i int) error {
		var err error
		ents[i], err = d.sets[i].Lookup(ctx, parent, name)
		return err
	})
	errs[h] = herr
	for i, e := range ents {
		if errs[i] == nil && isDir(e.Mode) {
			e.Attr, _ = mergeDir(dirCopies(ents, errs, e.Gfid))
			d.locs.put(e.Gfid, loc{set: h, dir: true})
			return e, nil
		}
	}
	return fop.Entry{}, herr
}

// Getattr returns the attributes of g: a file's from its set, a
// directory's merged from every set (mergeDir).
func (d *distribute) Getattr(ctx context.Context, g fop.Gfid) (fop.Entry, error) {
	var out fop.Entry
	err := d.onInode(ctx, g, func(l loc) error {
		var err error
		if l.dir {
			out, err = d.getattrDir(ctx, g)
			return err
		}
		out, err = d.sets[l.set].Getattr(ctx, g)
		if err == nil && out.Linkto != "" {
			return fmt.Errorf("dht: %s is a linkto on set %s: %w", g, d.names[l.set], errStaleLoc)
		}
		return err
	})
	return out, err
}

// getattrDir gets the directory g from every set and merges the copies
// (mergeDir). A set that does not know g (ESTALE: the directory was
// removed, and that set did not have it open) is fine as long as another
// set answers.
func (d *distribute) getattrDir(ctx context.Context, g fop.Gfid) (fop.Entry, error) {
	ents := make([]fop.Entry, len(d.sets))
	errs := d.parallel(-1, func(i int) error {
		var err error
		ents[i], err = d.sets[i].Getattr(ctx, g)
		return err
	})
	a, base := mergeDir(dirCopies(ents, errs, g))
	if base < 0 {
		return fop.Entry{}, fmt.Errorf("dht: getattr of directory %s: %w", g, firstErr(errs, errStaleLoc))
	}
	out := ents[base]
	out.Attr = a
	return out, nil
}
