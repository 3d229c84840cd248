package heal

import (
	"context"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
)

// view is what the bricks of the set say about one inode: its attributes
// and changelog counters on each brick that took part (known).
type view struct {
	gfid    fop.Gfid
	ids     []string
	known   []bool
	attr    []fop.Attr
	pending [][]fop.Pending
}

// readView reads attributes and counters of g on the bricks of mask (those
// holding a lock, or every connected brick). A brick that fails to answer
// is not known. Xattrop without deltas reads the counters; it also drops a
// dirty index entry whose counters are all zero.
func (e *Engine) readView(ctx context.Context, g fop.Gfid, mask []bool) *view {
	n := len(e.bricks())
	v := &view{gfid: g, ids: make([]string, n), known: make([]bool, n), attr: make([]fop.Attr, n), pending: make([][]fop.Pending, n)}
	for i, b := range e.bricks() {
		v.ids[i] = b.ID() // counters against bricks that take no part are kept apart, not dropped
	}
	each(indexes(mask), func(i int) {
		b := e.bricks()[i]
		p, err := b.Xattrop(ctx, g, nil)
		if err != nil {
			e.log.Debug("cannot read counters", "brick", b.Name(), "gfid", g, "err", err)
			return
		}
		ent, err := b.Getattr(ctx, g)
		if err != nil {
			e.log.Debug("cannot read attributes", "brick", b.Name(), "gfid", g, "err", err)
			return
		}
		v.known[i], v.attr[i], v.pending[i] = true, ent.Attr, p
	})
	return v
}

// connected returns the mask of the bricks that are connected now.
func (e *Engine) connected() []bool {
	mask := make([]bool, len(e.bricks()))
	for i, b := range e.bricks() {
		mask[i] = b.Connected() && b.ID() != ""
	}
	return mask
}

// matrix is the changelog matrix of kind in v.
func (v *view) matrix(kind afr.Kind) afr.Matrix {
	return afr.NewMatrix(kind, v.ids, v.pending, v.known)
}

// first returns the first known brick, or -1.
func (v *view) first() int {
	for i, k := range v.known {
		if k {
			return i
		}
	}
	return -1
}

// count returns the number of known bricks.
func (v *view) count() int { return len(indexes(v.known)) }

// typ returns the file type bits of the inode (from the first known brick).
func (v *view) typ() uint32 {
	if i := v.first(); i >= 0 {
		return v.attr[i].Mode & sIFMT
	}
	return 0
}

// File type bits of fop.Attr.Mode.
const (
	sIFMT  = 0o170000
	sIFDIR = 0o040000
	sIFREG = 0o100000
	sIFLNK = 0o120000
)
