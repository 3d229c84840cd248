package mount

import (
	"errors"
	"fmt"
	"slices"

	"github.com/mortarfs/mortar/mount/dht"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/volume"
)

// ErrUnmounted: the volume is no longer mounted.
var ErrUnmounted = errors.New("not mounted")

// Reconfigure follows a new volfile of the mounted volume without a
// remount (a volfile watch calls it):
//   - the kernel cache lifetimes (attribute, entry, negative timeouts)
//     change at once;
//   - replica sets added at the end of the volume are connected and
//     placed by the new table, and a new table over the same sets is
//     followed, by a new distribution layer over the sets (open files
//     keep theirs);
//   - what cannot change on a live mount (removed sets, a set's bricks,
//     the replica count, the replication options of the existing sets,
//     ro, noatime) is logged as needing a remount, and the rest applies.
//
// The mount's own -o options (Config.MountOptions) keep overriding the
// volume's. It returns an error when the volfile is unusable; nothing is
// changed then.
func (m *Mounted) Reconfigure(vf *volume.Volfile) error {
	if err := vf.Validate(); err != nil {
		return fmt.Errorf("reconfigure: %w", err)
	}
	o, err := EffectiveOptions(vf.Options, m.cfg.MountOptions, m.log)
	if err != nil {
		return fmt.Errorf("reconfigure: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("reconfigure: %w", ErrUnmounted)
	}
	m.applyOptions(o)
	if err := m.applySets(vf, o); err != nil {
		return err
	}
	return nil
}

// applyOptions applies what of o can change live and logs the rest.
func (m *Mounted) applyOptions(o Options) {
	old := m.opts
	if o.EntryTimeout != old.EntryTimeout || o.AttrTimeout != old.AttrTimeout || o.NegativeTimeout != old.NegativeTimeout {
		m.live.SetTimeouts(o.EntryTimeout, o.AttrTimeout, o.NegativeTimeout)
		m.log.Info("volfile: cache timeouts changed", "entry", o.EntryTimeout, "attribute", o.AttrTimeout, "negative", o.NegativeTimeout)
	}
	var remount []string
	if o.ReadOnly != old.ReadOnly {
		remount = append(remount, "ro")
	}
	if o.NoAtime != old.NoAtime {
		remount = append(remount, "noatime")
	}
	if o.QuorumType != old.QuorumType || o.QuorumCount != old.QuorumCount {
		remount = append(remount, "quorum")
	}
	if o.StaleReads != old.StaleReads {
		remount = append(remount, "stale-reads")
	}
	if o.PostOpDelay != old.PostOpDelay {
		remount = append(remount, "post-op-delay")
	}
	if o.FavoriteChildPolicy != old.FavoriteChildPolicy {
		remount = append(remount, "favorite-child-policy")
	}
	if len(remount) > 0 {
		m.log.Warn("volfile: options changed that a live mount cannot follow; they apply to sets added from now on and at the next mount", "options", remount)
	}
	// Kept for new sets and the next comparison; the unapplied ones are
	// logged once, not on every volfile.
	m.opts = o
}

// applySets follows added sets and a new placement table.
func (m *Mounted) applySets(vf *volume.Volfile, o Options) error {
	old := m.vf
	if why := setsNotFollowed(old, vf); why != "" {
		m.log.Warn("volfile: the volume's bricks changed in a way a live mount cannot follow; remount to use them", "change", why)
		return nil
	}
	if len(vf.Sets) == len(old.Sets) && vf.Layout == old.Layout {
		m.vf = vf
		return nil
	}
	st := m.stack
	var added []fop.Volume
	for _, set := range vf.Sets[len(old.Sets):] {
		v, err := st.buildSet(vf, set, o, m.log)
		if err != nil {
			for _, a := range added {
				_ = a.Close()
			}
			return fmt.Errorf("reconfigure: set %s: %w", set.Name, err)
		}
		added = append(added, v)
	}
	sets := append(slices.Clip(st.sets), added...)
	names := slices.Clone(st.names)
	for _, set := range vf.Sets[len(old.Sets):] {
		names = append(names, set.Name)
	}
	layout := vf.Layout
	top, err := dht.New(sets, names, &layout, m.log)
	if err != nil {
		for _, a := range added {
			_ = a.Close()
		}
		return fmt.Errorf("reconfigure: %w", err)
	}
	st.top.swap(top, added)
	st.sets, st.names, m.vf = sets, names, vf
	m.log.Info("volfile: volume layout followed", "sets", len(sets), "added", len(added))
	return nil
}

// setsNotFollowed says why the sets of next cannot be followed from cur,
// or "" when they can: the same sets, in order, with the same bricks,
// maybe followed by new ones.
func setsNotFollowed(cur, next *volume.Volfile) string {
	switch {
	case next.Replica != cur.Replica:
		return fmt.Sprintf("replica %d became %d", cur.Replica, next.Replica)
	case next.Arbiter != cur.Arbiter:
		return "arbiter changed"
	case len(next.Sets) < len(cur.Sets):
		return fmt.Sprintf("%d sets became %d", len(cur.Sets), len(next.Sets))
	}
	for i, s := range cur.Sets {
		n := next.Sets[i]
		if n.Name != s.Name || !slices.Equal(n.Bricks, s.Bricks) {
			return fmt.Sprintf("set %s changed its bricks", s.Name)
		}
	}
	return ""
}
