package afr

import "github.com/mortarfs/mortar/mount/fop"

// Kind is one of the three changelogs every inode carries.
type Kind int

const (
	Data Kind = iota
	Metadata
	Entry
)

func (k Kind) String() string {
	return [...]string{"data", "metadata", "entry"}[k]
}

// Counter returns the counter of kind k in p.
func (k Kind) Counter(p fop.Pending) uint32 {
	switch k {
	case Data:
		return p.Data
	case Metadata:
		return p.Metadata
	default:
		return p.Entry
	}
}

// Delta returns a PendingDelta for brick id that adds n to kind k.
func (k Kind) Delta(id string, n int32) fop.PendingDelta {
	d := fop.PendingDelta{BrickID: id}
	switch k {
	case Data:
		d.Data = n
	case Metadata:
		d.Metadata = n
	default:
		d.Entry = n
	}
	return d
}

// Matrix is what the bricks of one replica set say about each other for
// one inode: Acc[i][j] is the counter brick i holds against brick j, and
// Known[i] says whether brick i answered at all (a brick that is down or
// failed the lookup says nothing and can be neither source nor sink).
type Matrix struct {
	Acc   [][]uint32
	Known []bool
}

// NewMatrix builds the matrix of kind k from each brick's counters. ids
// are the bricks' ids in set order; pending[i] is nil for a brick that did
// not answer. Counters naming a brick outside the set are ignored.
func NewMatrix(k Kind, ids []string, pending [][]fop.Pending, answered []bool) Matrix {
	n := len(ids)
	m := Matrix{Acc: make([][]uint32, n), Known: append([]bool(nil), answered...)}
	index := make(map[string]int, n)
	for i, id := range ids {
		index[id] = i
	}
	for i := range m.Acc {
		m.Acc[i] = make([]uint32, n)
		if !answered[i] {
			continue
		}
		for _, p := range pending[i] {
			if j, ok := index[p.BrickID]; ok {
				m.Acc[i][j] = k.Counter(p)
			}
		}
	}
	return m
}

// Verdict is the reading of a Matrix.
type Verdict struct {
	// Sources hold a good copy; Sinks must be healed from them.
	Sources []int
	Sinks   []int
	// SplitBrain: every brick that could be a source is accused by
	// another such brick. Nothing is a source; the admin must choose.
	SplitBrain bool
	// ExcludedOnly: split-brain where no brick that could be a source
	// accuses another such brick: they are only accused by bricks that
	// cannot be sources (the arbiter, for data) or accuse themselves. No
	// good copy is reachable, rather than two good copies disagreeing.
	ExcludedOnly bool
	// AllFools: every answering brick accuses itself (a transaction was
	// interrupted everywhere) and none accuses another alone: no brick
	// can be trusted over the others by the changelog. The caller picks
	// a source by content (see PickFool) and heals the rest.
	AllFools bool
}

// Clean reports whether nothing needs healing.
func (v Verdict) Clean() bool { return len(v.Sinks) == 0 && !v.SplitBrain && !v.AllFools }

// Analyze reads m. A brick is wise when it does not accuse itself: it
// finished every transaction it took part in, so its accusations are
// evidence. A self-accusing brick (a fool) took part in a transaction that
// did not finish on it: its own accusations prove nothing. Sources are the
// wise bricks no wise brick accuses; every other answering brick is a
// sink. When wise bricks accuse each other so that none is left
// unaccused, it is split-brain. When there is no wise brick at all, it is
// AllFools. exclude marks bricks that can never be a source (an arbiter
// for data): they are neither source nor sink when unaccused, and their
// accusations still count. Split-brain is also when the only unaccused
// brick is one that cannot be a source. No sources without split-brain
// means no brick that could be a source answered.
func Analyze(m Matrix, exclude []bool) Verdict {
	n := len(m.Acc)
	wise := make([]bool, n)
	anyWise, anyAccusation := false, false
	for i := 0; i < n; i++ {
		if !m.Known[i] {
			continue
		}
		wise[i] = m.Acc[i][i] == 0
		anyWise = anyWise || wise[i]
		for j := 0; j < n; j++ {
			anyAccusation = anyAccusation || m.Acc[i][j] > 0
		}
	}
	var v Verdict
	if !anyWise && anyAccusation {
		v.AllFools = true
		for i := 0; i < n; i++ {
			if m.Known[i] {
				v.Sinks = append(v.Sinks, i)
			}
		}
		return v
	}
	candidates := 0 // answering bricks that could be sources
	for j := 0; j < n; j++ {
		if !m.Known[j] {
			continue
		}
		if !isExcluded(exclude, j) {
			candidates++
		}
		good := wise[j] && !accusedByWise(m, wise, j)
		if good && !isExcluded(exclude, j) {
			v.Sources = append(v.Sources, j)
		} else if !good {
			v.Sinks = append(v.Sinks, j)
		}
	}
	v.SplitBrain = candidates > 0 && len(v.Sources) == 0
	v.ExcludedOnly = v.SplitBrain && !candidatesDisagree(m, wise, exclude)
	return v
}

// candidatesDisagree reports whether some answering brick that could be
// a source is accused by another wise one that could be a source too: two
// good copies that differ, as opposed to copies that are only accused by
// bricks that cannot be sources (or that accuse themselves).
func candidatesDisagree(m Matrix, wise, exclude []bool) bool {
	for i := range m.Acc {
		if !m.Known[i] || !wise[i] || isExcluded(exclude, i) {
			continue
		}
		for j := range m.Acc[i] {
			if j != i && m.Known[j] && !isExcluded(exclude, j) && m.Acc[i][j] > 0 {
				return true
			}
		}
	}
	return false
}

func accusedByWise(m Matrix, wise []bool, j int) bool {
	for i := range m.Acc {
		if i != j && m.Known[i] && wise[i] && m.Acc[i][j] > 0 {
			return true
		}
	}
	return false
}

func isExcluded(exclude []bool, i int) bool { return i < len(exclude) && exclude[i] }
