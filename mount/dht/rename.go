package dht

import (
	"context"
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// resolved is an entry found through dht: the set its name hashes to, the
// set with its inode, and the inode.
type resolved struct {
	hashed int
	cached int
	ent    fop.Entry
}

// viaLinkto reports whether the name is a linkto on its hashed set.
func (r resolved) viaLinkto() bool { return r.hashed != r.cached }

// resolve finds (parent, name) without the directory merging of Lookup.
func (d *distribute) resolve(ctx context.Context, parent fop.Gfid, name string) (resolved, error) {
	h := d.hashed(parent, name)
	e, err := d.sets[h].Lookup(ctx, parent, name)
	if err != nil {
		return resolved{}, err
	}
	if e.Linkto == "" {
		return resolved{hashed: h, cached: h, ent: e}, nil
	}
	data, err := d.followLinkto(ctx, h, parent, name, e)
	if err != nil {
		return resolved{}, err
	}
	t, _ := d.setNamed(e.Linkto)
	return resolved{hashed: h, cached: t, ent: data}, nil
}

// Rename moves (op, on) to (np, nn). A file's data stays on its set; a
// directory is renamed on every set. RENAME_EXCHANGE works for two files
// on the same set and for two directories; other exchanges are EXDEV.
func (d *distribute) Rename(ctx context.Context, op fop.Gfid, on string, np fop.Gfid, nn string, flags uint32) error {
	if flags&^(fop.RenameNoreplace|fop.RenameExchange) != 0 || flags == fop.RenameNoreplace|fop.RenameExchange {
		return fmt.Errorf("dht: rename flags %#x: %w", flags, syscall.EINVAL)
	}
	src, err := d.resolve(ctx, op, on)
	if err != nil {
		return err
	}
	dst, err := d.resolve(ctx, np, nn)
	exists := err == nil
	switch {
	case err != nil && !isErrno(err, syscall.ENOENT):
		return err
	case !exists && flags&fop.RenameExchange != 0:
		return err
	case exists && flags&fop.RenameNoreplace != 0:
		return fmt.Errorf("dht: rename to %s/%s: %w", np, nn, syscall.EEXIST)
	case exists && dst.ent.Gfid == src.ent.Gfid:
		return nil // two names of one inode: rename(2) does nothing
	}
	srcDir, dstDir := isDir(src.ent.Mode), exists && isDir(dst.ent.Mode)
	switch {
	case flags&fop.RenameExchange != 0 && srcDir != dstDir:
		return fmt.Errorf("dht: exchange of a directory and a file: %w", syscall.EXDEV)
	case flags&fop.RenameExchange == 0 && exists && srcDir && !dstDir:
		return fmt.Errorf("dht: rename directory over %s/%s: %w", np, nn, syscall.ENOTDIR)
	case flags&fop.RenameExchange == 0 && dstDir && !srcDir:
		return fmt.Errorf("dht: rename over directory %s/%s: %w", np, nn, syscall.EISDIR)
	case srcDir:
		return d.renameDir(ctx, op, on, np, nn, flags, src, dst, exists)
	case flags&fop.RenameExchange != 0:
		return d.exchangeFiles(ctx, op, on, np, nn, src, dst)
	}
	return d.renameFile(ctx, op, on, np, nn, flags, src, dst, exists)
}

// renameDir renames a directory on every set: the new name's hashed set
// first (its answer is the result), then the others in parallel. A
// directory it replaces must be empty on every set.
func (d *distribute) renameDir(ctx context.Context, op fop.Gfid, on string, np fop.Gfid, nn string, flags uint32,
	src, dst resolved, exists bool) error {
	if exists && flags&fop.RenameExchange == 0 {
		if err := d.emptyDir(ctx, dst.ent.Gfid); err != nil {
			return err
		}
	}
	first := d.hashed(np, nn)
	if err := d.sets[first].Rename(ctx, op, on, np, nn, flags); err != nil {
		return err
	}
	errs := d.parallel(first, func(i int) error {
		err := d.sets[i].Rename(ctx, op, on, np, nn, flags)
		if isMissing(err) {
			return nil // not healed there yet: lookup will
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			d.log.Error("directory rename failed on a set: the sets disagree", "from", on, "to", nn, "set", d.names[i], "err", err)
		}
	}
	d.locs.put(src.ent.Gfid, loc{set: first, dir: true})
	if exists && flags&fop.RenameExchange != 0 {
		d.locs.put(dst.ent.Gfid, loc{set: d.hashed(op, on), dir: true})
	}
	return nil
}

// exchangeFiles swaps two file names whose data is on the same set. Their
// linkto files, if any, still point to the right set afterwards.
func (d *distribute) exchangeFiles(ctx context.Context, op fop.Gfid, on string, np fop.Gfid, nn string, src, dst resolved) error {
	if src.cached != dst.cached {
		return fmt.Errorf("dht: exchange of files on sets %s and %s: %w", d.names[src.cached], d.names[dst.cached], syscall.EXDEV)
	}
	return d.sets[src.cached].Rename(ctx, op, on, np, nn, fop.RenameExchange)
}

// renameFile moves a file's name on the set c that holds its data; when the
// new name hashes to another set, that set gets a linkto: the old name's
// linkto renamed when it is on that set, else a new one (made before the
// data moves, so that most failures leave nothing changed). Afterwards the
// old name's linkto and the replaced file's data on a third set go.
func (d *distribute) renameFile(ctx context.Context, op fop.Gfid, on string, np fop.Gfid, nn string, flags uint32,
	src, dst resolved, exists bool) error {
	c, nh := src.cached, d.hashed(np, nn)
	moveLinkto := nh != c && src.viaLinkto() && src.hashed == nh
	tmp, made := "", false
	if nh != c && !moveLinkto {
		var err error
		if tmp, made, err = d.prepareLinkto(ctx, nh, np, nn, src.ent.Gfid, c, exists); err != nil {
			return err
		}
	}
	if err := d.sets[c].Rename(ctx, op, on, np, nn, flags&fop.RenameNoreplace); err != nil {
		switch {
		case tmp != "":
			d.removeLinkto(ctx, nh, np, tmp)
		case made:
			d.removeLinkto(ctx, nh, np, nn)
		}
		return err
	}
	if err := d.finishLinkto(ctx, nh, c, op, on, np, nn, tmp, moveLinkto); err != nil {
		return err
	}
	if src.viaLinkto() && !moveLinkto {
		d.removeLinkto(ctx, src.hashed, op, on)
	}
	if exists && dst.cached != c && dst.cached != nh {
		if err := d.sets[dst.cached].Unlink(ctx, np, nn); err != nil && !isMissing(err) {
			d.log.Warn("rename: could not remove the replaced file's data", "name", nn, "set", d.names[dst.cached], "err", err)
		}
	}
	return nil
}

// finishLinkto puts the new name's linkto in place on set nh once the data
// moved on set c: the old name's linkto renamed (moveLinkto), or the
// temporary one renamed over what is there. If that fails, the data's name
// is moved back.
func (d *distribute) finishLinkto(ctx context.Context, nh, c int, op fop.Gfid, on string, np fop.Gfid, nn, tmp string, moveLinkto bool) error {
	var err error
	switch {
	case moveLinkto:
		err = d.sets[nh].Rename(ctx, op, on, np, nn, 0)
	case tmp != "":
		if err = d.sets[nh].Rename(ctx, np, tmp, np, nn, 0); err != nil {
			d.removeLinkto(ctx, nh, np, tmp)
		}
	}
	if err == nil {
		return nil
	}
	d.log.Error("rename: could not place the new name's linkto; moving the name back", "to", nn, "set", d.names[nh], "err", err)
	if berr := d.sets[c].Rename(ctx, np, nn, op, on, fop.RenameNoreplace); berr != nil {
		d.log.Error("rename: moving the name back failed", "name", nn, "set", d.names[c], "err", berr)
	}
	return err
}

// prepareLinkto readies the linkto of (np, nn) on set nh for the file g on
// set c: made directly when the name is free (made), or under a temporary
// name (tmp) to be renamed over what is there once the data has moved.
func (d *distribute) prepareLinkto(ctx context.Context, nh int, np fop.Gfid, nn string, g fop.Gfid, c int, exists bool) (tmp string, made bool, err error) {
	if !exists {
		err = d.makeLinkto(ctx, nh, np, nn, g, c)
		if err == nil {
			return "", true, nil
		}
		if !isErrno(err, syscall.EEXIST) { // EEXIST: a stale linkto is in the way
			return "", false, err
		}
	}
	tmp = tempName(g)
	if err := d.makeLinkto(ctx, nh, np, tmp, g, c); err != nil {
		return "", false, err
	}
	return tmp, false, nil
}
