package dht

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// dirStream is a directory open on every set. It lists directories from
// one set (dirSet) and the files of every set, hiding linkto files, so each
// entry comes once. dirSet is the last set read, so that when it lists a
// directory the copies of that directory on every other set have been
// seen: a directory's attributes merge them (mergeDir), as Lookup and
// Getattr do, without another call. Its cookies number the entries of
// that merged stream (1, 2, ...); resuming after any entry of the last two
// batches is cheap, other cookies re-read from the start.
//
// The brick directories stay open until Release: a brick keeps a
// directory removed meanwhile resolvable by gfid while it is open, so
// Getattr of an open, removed directory works on every set.
type dirStream struct {
	d      *distribute
	gfid   fop.Gfid
	subs   []fop.Dir // nil where the set has no such directory
	dirSet int

	// mu guards the cursors and copies; a Dir is read by one caller at a
	// time, but must not break if not.
	mu          sync.Mutex
	marks, prev map[uint64]cursor
	// copies holds, by name, the subdirectories listed by the sets read
	// before dirSet, for merging their attributes.
	copies map[string][]*fop.Attr
}

// cursor is a position in the merged stream: the next entry comes from set
// after the set's own cookie.
type cursor struct {
	set    int
	cookie uint64
}

var _ fop.Dir = (*dirStream)(nil)

// Opendir opens the directory g on every set. A set where it is missing
// (not healed yet) holds no entries of it.
func (d *distribute) Opendir(ctx context.Context, g fop.Gfid) (fop.Dir, error) {
	subs := make([]fop.Dir, len(d.sets))
	errs := d.parallel(-1, func(i int) error {
		var err error
		subs[i], err = d.sets[i].Opendir(ctx, g)
		return err
	})
	ds := &dirStream{d: d, gfid: g, subs: subs, dirSet: -1, marks: map[uint64]cursor{}}
	for i, err := range errs {
		switch {
		case err == nil:
			ds.dirSet = i // the last set that has the directory
		case isMissing(err):
		default:
			d.log.Warn("opendir: set not available; its entries are not listed", "gfid", g, "set", d.names[i], "err", err)
		}
	}
	if ds.dirSet < 0 {
		return nil, fmt.Errorf("dht: opendir %s: %w", g, firstErr(errs, syscall.ENOENT))
	}
	return ds, nil
}

// Readdir returns at most max entries after cookie, and whether the end of
// the directory was reached.
func (ds *dirStream) Readdir(ctx context.Context, cookie uint64, max int) ([]fop.Dirent, bool, error) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	pos, err := ds.seek(ctx, cookie)
	if err != nil {
		return nil, false, err
	}
	ds.prev, ds.marks = ds.marks, map[uint64]cursor{}
	var out []fop.Dirent
	n := cookie
	for len(out) < max && pos.set < len(ds.subs) {
		ents, err := ds.page(ctx, &pos, max-len(out))
		if err != nil {
			return nil, false, err
		}
		for _, e := range ents {
			n++
			ds.marks[n] = e.at
			e.ent.Cookie = n
			out = append(out, e.ent)
		}
	}
	return out, pos.set >= len(ds.subs), nil
}

// item is an entry of the merged stream and the cursor after it.
type item struct {
	ent fop.Dirent
	at  cursor
}

// page reads up to max entries of the set at pos and advances pos; at the
// end of the set pos moves to the next one. It returns the visible entries.
func (ds *dirStream) page(ctx context.Context, pos *cursor, max int) ([]item, error) {
	sub := ds.subs[pos.set]
	if sub == nil {
		*pos = cursor{set: pos.set + 1}
		return nil, nil
	}
	ents, eof, err := sub.Readdir(ctx, pos.cookie, max)
	if err != nil {
		return nil, fmt.Errorf("dht: readdir %s on set %s: %w", ds.gfid, ds.d.names[pos.set], err)
	}
	var out []item
	for _, e := range ents {
		pos.cookie = e.Cookie
		if ds.visible(pos.set, &e) {
			out = append(out, item{ent: e, at: *pos})
		}
	}
	if eof || len(ents) == 0 {
		*pos = cursor{set: pos.set + 1}
	}
	return out, nil
}

// visible says whether entry e of set i is listed, and learns its
// location. A directory is listed by dirSet only, with the attributes of
// its copies merged.
func (ds *dirStream) visible(i int, e *fop.Dirent) bool {
	switch {
	case e.Linkto != "":
		return false
	case isDir(e.Mode) && i != ds.dirSet:
		ds.keepCopy(i, e)
		return false
	case isDir(e.Mode):
		ds.mergeCopies(e)
		if !e.Gfid.IsZero() {
			ds.d.locs.put(e.Gfid, loc{set: ds.d.hashed(ds.gfid, e.Name), dir: true})
		}
		return true
	}
	if !e.Gfid.IsZero() {
		ds.d.locs.put(e.Gfid, loc{set: i})
	}
	return true
}

// keepCopy remembers the copy on set i of the subdirectory e.
func (ds *dirStream) keepCopy(i int, e *fop.Dirent) {
	if ds.copies == nil {
		ds.copies = map[string][]*fop.Attr{}
	}
	c := ds.copies[e.Name]
	if c == nil {
		c = make([]*fop.Attr, len(ds.subs))
		ds.copies[e.Name] = c
	}
	a := e.Attr
	c[i] = &a
}

// mergeCopies gives the subdirectory e, listed by dirSet, the attributes
// merged from its copies on every set: the same rule as Lookup's. A copy
// that is another inode (a conflict lookup reports) is left out.
func (ds *dirStream) mergeCopies(e *fop.Dirent) {
	kept := ds.copies[e.Name]
	if kept == nil || e.Gfid.IsZero() {
		return
	}
	c := make([]*fop.Attr, len(kept))
	for i, a := range kept {
		if a != nil && a.Gfid == e.Gfid {
			c[i] = a
		}
	}
	c[ds.dirSet] = &e.Attr
	e.Attr, _ = mergeDir(c)
}

// seek returns the cursor after the entry numbered cookie.
func (ds *dirStream) seek(ctx context.Context, cookie uint64) (cursor, error) {
	if cookie == 0 {
		ds.copies = nil
		return cursor{}, nil
	}
	if c, ok := ds.marks[cookie]; ok {
		return c, nil
	}
	if c, ok := ds.prev[cookie]; ok {
		return c, nil
	}
	return ds.rescan(ctx, cookie)
}

// rescan reads the stream from the start to the entry numbered cookie.
func (ds *dirStream) rescan(ctx context.Context, cookie uint64) (cursor, error) {
	var pos cursor
	ds.copies = nil
	for n := uint64(0); n < cookie; {
		if pos.set >= len(ds.subs) {
			return pos, nil // the directory shrank: resume at its end
		}
		ents, err := ds.page(ctx, &pos, int(min(cookie-n, 1024)))
		if err != nil {
			return cursor{}, err
		}
		for _, e := range ents {
			if n++; n == cookie {
				return e.at, nil
			}
		}
	}
	return pos, nil
}

// Release closes the directory on every set.
func (ds *dirStream) Release(ctx context.Context) error {
	var errs []error
	for _, sub := range ds.subs {
		if sub != nil {
			errs = append(errs, sub.Release(ctx))
		}
	}
	return errors.Join(errs...)
}
