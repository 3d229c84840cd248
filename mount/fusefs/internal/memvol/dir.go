package memvol

import (
	"context"
	"sort"

	"github.com/mortarfs/mortar/mount/fop"
)

// dirTable is a directory's entries in creation order; each entry's
// cookie is its rank, so readdir resumes correctly while entries come
// and go.
type dirTable struct {
	names map[string]*dentry
	order []*dentry // ascending cookies
	next  uint64
}

type dentry struct {
	name   string
	gfid   fop.Gfid
	cookie uint64
}

func newDirTable() *dirTable { return &dirTable{names: make(map[string]*dentry)} }

func (d *dirTable) get(name string) (fop.Gfid, bool) {
	e, ok := d.names[name]
	if !ok {
		return fop.Gfid{}, false
	}
	return e.gfid, true
}

// set adds name, or points an existing name at g.
func (d *dirTable) set(name string, g fop.Gfid) {
	if e, ok := d.names[name]; ok {
		e.gfid = g
		return
	}
	d.next++
	e := &dentry{name: name, gfid: g, cookie: d.next}
	d.names[name] = e
	d.order = append(d.order, e)
}

func (d *dirTable) remove(name string) {
	e, ok := d.names[name]
	if !ok {
		return
	}
	delete(d.names, name)
	i := d.after(e.cookie - 1)
	d.order = append(d.order[:i], d.order[i+1:]...)
}

// after is the index of the first entry with a cookie above c.
func (d *dirTable) after(c uint64) int {
	return sort.Search(len(d.order), func(i int) bool { return d.order[i].cookie > c })
}

// dir is an open directory.
type dir struct {
	v    *Vol
	gfid fop.Gfid
}

// Opendir opens a directory.
func (v *Vol) Opendir(ctx context.Context, g fop.Gfid) (fop.Dir, error) {
	if err := v.enter("Opendir"); err != nil {
		return nil, err
	}
	defer v.mu.Unlock()
	ino, err := v.dirOf(g)
	if err != nil {
		return nil, err
	}
	ino.opens++ // a removed directory resolves while open, as on a brick
	return &dir{v: v, gfid: g}, nil
}

// Readdir returns up to max entries after cookie, with attributes.
func (d *dir) Readdir(ctx context.Context, cookie uint64, max int) ([]fop.Dirent, bool, error) {
	v := d.v
	if err := v.enter("Readdir"); err != nil {
		return nil, false, err
	}
	defer v.mu.Unlock()
	ino := v.inodes[d.gfid]
	if ino == nil || ino.dir == nil {
		return nil, true, nil // removed while open: empty
	}
	t := ino.dir
	var out []fop.Dirent
	i := t.after(cookie)
	for ; i < len(t.order) && len(out) < max; i++ {
		e := t.order[i]
		de := fop.Dirent{Name: e.name, Cookie: e.cookie}
		if child := v.inodes[e.gfid]; child != nil {
			de.Entry = child.entry()
		}
		out = append(out, de)
	}
	return out, i >= len(t.order), nil
}

// Release closes the directory; a removed directory goes with its last
// Release.
func (d *dir) Release(ctx context.Context) error {
	if err := d.v.enter("Releasedir"); err != nil {
		return err
	}
	defer d.v.mu.Unlock()
	if ino := d.v.inodes[d.gfid]; ino != nil {
		ino.opens--
		d.v.dropIfUnused(ino)
	}
	return nil
}

// Children lists the names in directory g, for tests.
func (v *Vol) Children(g fop.Gfid) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	ino := v.inodes[g]
	if ino == nil || ino.dir == nil {
		return nil
	}
	out := make([]string, 0, len(ino.dir.order))
	for _, e := range ino.dir.order {
		out = append(out, e.name)
	}
	return out
}
