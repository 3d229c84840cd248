package dht

import (
	"context"
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Create makes the file (parent, name) on its hashed set. It always asks
// the set for O_EXCL: a name that exists may be a linkto file, which must
// not be opened. Without O_EXCL from the caller, an existing file is then
// looked up through dht and opened where it lives.
func (d *distribute) Create(ctx context.Context, parent fop.Gfid, name string, flags uint32, in fop.NewInode) (fop.Entry, fop.File, error) {
	h := d.hashed(parent, name)
	for retried := false; ; retried = true {
		e, f, err := d.sets[h].Create(ctx, parent, name, flags|syscall.O_EXCL, in)
		switch {
		case err == nil:
			d.locs.put(e.Gfid, loc{set: h})
			return e, f, nil
		case !isErrno(err, syscall.EEXIST):
			return fop.Entry{}, nil, err
		case !retried && d.clearStaleLinkto(ctx, h, parent, name):
			continue
		case flags&syscall.O_EXCL != 0:
			return fop.Entry{}, nil, err
		}
		return d.openExisting(ctx, parent, name, flags)
	}
}

// openExisting is open(2) without O_EXCL of the name that exists.
func (d *distribute) openExisting(ctx context.Context, parent fop.Gfid, name string, flags uint32) (fop.Entry, fop.File, error) {
	e, err := d.Lookup(ctx, parent, name)
	if err != nil {
		return fop.Entry{}, nil, err
	}
	if isDir(e.Mode) {
		return fop.Entry{}, nil, fmt.Errorf("dht: create %s/%s: %w", parent, name, syscall.EISDIR)
	}
	f, err := d.Open(ctx, e.Gfid, flags&^(syscall.O_CREAT|syscall.O_EXCL))
	if err != nil {
		return fop.Entry{}, nil, err
	}
	if flags&syscall.O_TRUNC != 0 {
		if now, err := d.Getattr(ctx, e.Gfid); err == nil {
			e = now
		}
	}
	return e, f, nil
}

// Mkdir makes the directory on its hashed set (which decides EEXIST), then
// on every other set with the same gfid. A failure there is logged: lookup
// heals it. The attributes merge every copy made (mergeDir).
func (d *distribute) Mkdir(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	h := d.hashed(parent, name)
	e, err := d.sets[h].Mkdir(ctx, parent, name, in)
	if isErrno(err, syscall.EEXIST) && d.clearStaleLinkto(ctx, h, parent, name) {
		e, err = d.sets[h].Mkdir(ctx, parent, name, in)
	}
	if err != nil {
		return fop.Entry{}, err
	}
	ents := make([]fop.Entry, len(d.sets))
	errs := d.parallel(h, func(i int) error {
		var err error
		ents[i], err = d.sets[i].Mkdir(ctx, parent, name, in)
		return err
	})
	for i, err := range errs {
		if err != nil {
			d.log.Warn("mkdir failed on a set; lookup will heal it", "parent", parent, "name", name, "set", d.names[i], "err", err)
		}
	}
	ents[h] = e
	e.Attr, _ = mergeDir(dirCopies(ents, errs, e.Gfid))
	d.locs.put(e.Gfid, loc{set: h, dir: true})
	return e, nil
}

// Mknod makes a special file on the hashed set.
func (d *distribute) Mknod(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	h := d.hashed(parent, name)
	e, err := d.sets[h].Mknod(ctx, parent, name, in)
	if isErrno(err, syscall.EEXIST) && d.clearStaleLinkto(ctx, h, parent, name) {
		e, err = d.sets[h].Mknod(ctx, parent, name, in)
	}
	if err == nil {
		d.locs.put(e.Gfid, loc{set: h})
	}
	return e, err
}

// Symlink makes a symbolic link on the hashed set.
func (d *distribute) Symlink(ctx context.Context, parent fop.Gfid, name, target string, in fop.NewInode) (fop.Entry, error) {
	h := d.hashed(parent, name)
	e, err := d.sets[h].Symlink(ctx, parent, name, target, in)
	if isErrno(err, syscall.EEXIST) && d.clearStaleLinkto(ctx, h, parent, name) {
		e, err = d.sets[h].Symlink(ctx, parent, name, target, in)
	}
	if err == nil {
		d.locs.put(e.Gfid, loc{set: h})
	}
	return e, err
}

// Link makes (newParent, newName) a hard link of g on the set with the
// data; when the new name hashes to another set, a linkto file there
// (made first: it decides EEXIST) points to the data.
func (d *distribute) Link(ctx context.Context, g, newParent fop.Gfid, newName string) (fop.Entry, error) {
	l, err := d.locate(ctx, g)
	if err != nil {
		return fop.Entry{}, err
	}
	if l.dir {
		return fop.Entry{}, fmt.Errorf("dht: link of directory %s: %w", g, syscall.EPERM)
	}
	nh := d.hashed(newParent, newName)
	if nh != l.set {
		err := d.makeLinkto(ctx, nh, newParent, newName, g, l.set)
		if isErrno(err, syscall.EEXIST) && d.clearStaleLinkto(ctx, nh, newParent, newName) {
			err = d.makeLinkto(ctx, nh, newParent, newName, g, l.set)
		}
		if err != nil {
			return fop.Entry{}, err
		}
	}
	e, err := d.sets[l.set].Link(ctx, g, newParent, newName)
	if err != nil && nh != l.set {
		d.removeLinkto(ctx, nh, newParent, newName)
	}
	return e, err
}
