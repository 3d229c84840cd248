package heal

import (
	"context"
	"sort"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
)

// Info is what needs healing in the set, per brick, as `gluster volume
// heal VOL info` shows it.
type Info struct {
	Set    string      `json:"set"`
	Bricks []BrickInfo `json:"bricks"`
}

// BrickInfo lists the inodes of one brick's dirty index that still need a
// heal, and those of them in split-brain.
type BrickInfo struct {
	Brick      string      `json:"brick"`
	ID         string      `json:"id,omitempty"`
	Connected  bool        `json:"connected"`
	Error      string      `json:"error,omitempty"`
	Entries    []InfoEntry `json:"entries"`
	SplitBrain []InfoEntry `json:"split_brain"`
}

// InfoEntry is one inode needing heal.
type InfoEntry struct {
	Gfid string `json:"gfid"`
	// Path from the volume root when it could be found, else <gfid:...>.
	Path string `json:"path"`
	// Pending: the kinds with non-zero counters; SplitBrain: the kinds in
	// split-brain.
	Pending    []string `json:"pending,omitempty"`
	SplitBrain []string `json:"split_brain,omitempty"`
}

// Info lists, per brick, the inodes of its dirty index whose counters are
// still non-zero on some connected brick, and which of them are in
// split-brain (the changelog read without locks, like GlusterFS's heal
// info: a transaction in flight shows as pending). Paths are found by
// walking the tree (see paths.go).
func (e *Engine) Info(ctx context.Context) (Info, error) {
	info := Info{Set: e.set.Name}
	dirty := make([][]fop.Gfid, len(e.bricks()))
	wanted := map[fop.Gfid]*InfoEntry{}
	for i, b := range e.bricks() {
		bi := BrickInfo{Brick: b.Name(), ID: b.ID(), Connected: b.Connected(), Entries: []InfoEntry{}, SplitBrain: []InfoEntry{}}
		if bi.Connected {
			err := e.walkIndex(ctx, i, func(g fop.Gfid) { dirty[i] = append(dirty[i], g) })
			if err != nil {
				bi.Error = err.Error()
			}
		} else {
			bi.Error = "not connected"
		}
		for _, g := range dirty[i] {
			wanted[g] = nil
		}
		info.Bricks = append(info.Bricks, bi)
	}
	if err := ctx.Err(); err != nil {
		return info, err
	}
	for g := range wanted {
		wanted[g] = e.status(ctx, g)
	}
	e.fillPaths(ctx, wanted)
	for i := range info.Bricks {
		info.Bricks[i].add(dirty[i], wanted)
	}
	return info, ctx.Err()
}

// add lists the inodes of gs that need healing.
func (bi *BrickInfo) add(gs []fop.Gfid, status map[fop.Gfid]*InfoEntry) {
	for _, g := range gs {
		st := status[g]
		if st == nil {
			continue
		}
		bi.Entries = append(bi.Entries, *st)
		if len(st.SplitBrain) > 0 {
			bi.SplitBrain = append(bi.SplitBrain, *st)
		}
	}
	sort.Slice(bi.Entries, func(i, j int) bool { return bi.Entries[i].Path < bi.Entries[j].Path })
	sort.Slice(bi.SplitBrain, func(i, j int) bool { return bi.SplitBrain[i].Path < bi.SplitBrain[j].Path })
}

// status reads the changelog of g on the connected bricks: nil when no
// counter is set any more (healed meanwhile, or gone).
func (e *Engine) status(ctx context.Context, g fop.Gfid) *InfoEntry {
	v := e.readView(ctx, g, e.connected())
	st := &InfoEntry{Gfid: g.String(), Path: gfidName(g)}
	for _, k := range []afr.Kind{afr.Data, afr.Metadata, afr.Entry} {
		if !v.anyCounter(k) {
			continue
		}
		st.Pending = append(st.Pending, k.String())
		if afr.Analyze(v.matrix(k), e.exclude(k)).SplitBrain {
			st.SplitBrain = append(st.SplitBrain, k.String())
		}
	}
	if len(st.Pending) == 0 {
		return nil
	}
	return st
}

// anyCounter reports whether a known brick holds a non-zero counter of
// kind, against any brick (also one this process never reached, whose id
// it does not know).
func (v *view) anyCounter(k afr.Kind) bool {
	for i, ps := range v.pending {
		for _, p := range ps {
			if v.known[i] && k.Counter(p) > 0 {
				return true
			}
		}
	}
	return false
}
