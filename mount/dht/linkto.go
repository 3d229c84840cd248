package dht

import (
	"context"
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Linkto files: pointer files on the hashed set of a name whose data lives
// on another set. They carry the gfid of the file they point to.

// makeLinkto makes the linkto file (parent, name) on set i, pointing at the
// file g on set data. When set i has a linkto of g already (another hard
// link's name hashes there), the name becomes a hard link of it: a brick
// holds one inode per gfid.
func (d *distribute) makeLinkto(ctx context.Context, i int, parent fop.Gfid, name string, g fop.Gfid, data int) error {
	lm, ok := d.sets[i].(linktoMaker)
	if !ok {
		return fmt.Errorf("dht: set %s cannot make linkto files: %w", d.names[i], syscall.EIO)
	}
	_, err := lm.MknodLinkto(ctx, parent, name, g, d.names[data])
	if !isErrno(err, syscall.EEXIST) {
		return err
	}
	if e, gerr := d.sets[i].Getattr(ctx, g); gerr != nil || e.Linkto != d.names[data] {
		return err // the name is taken
	}
	_, err = d.sets[i].Link(ctx, g, parent, name)
	return err
}

// tempName is the temporary name of a linkto file being placed.
func tempName(g fop.Gfid) string {
	n := fop.NewGfid()
	return ".mortar-linkto-" + g.String()[:8] + "-" + n.String()[:8]
}

// removeLinkto unlinks the linkto (parent, name) on set i; a failure is
// logged (a stale linkto is harmless: lookups of it find nothing, readdir
// hides it, rmdir removes it).
func (d *distribute) removeLinkto(ctx context.Context, i int, parent fop.Gfid, name string) {
	err := d.sets[i].Unlink(ctx, parent, name)
	if err != nil && !isMissing(err) {
		d.log.Warn("could not remove a linkto file", "parent", parent, "name", name, "set", d.names[i], "err", err)
	}
}

// clearStaleLinkto removes (parent, name) from set i when it is a linkto
// whose target set has no such name, and reports whether it did.
func (d *distribute) clearStaleLinkto(ctx context.Context, i int, parent fop.Gfid, name string) bool {
	e, err := d.sets[i].Lookup(ctx, parent, name)
	if err != nil || e.Linkto == "" {
		return false
	}
	if t, err := d.setNamed(e.Linkto); err == nil && t != i {
		if _, err := d.sets[t].Lookup(ctx, parent, name); !isMissing(err) {
			return false
		}
	}
	if err := d.sets[i].Unlink(ctx, parent, name); err != nil && !isMissing(err) {
		return false
	}
	d.log.Info("removed a stale linkto file", "parent", parent, "name", name, "set", d.names[i])
	return true
}
