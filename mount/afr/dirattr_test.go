package afr

import (
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

// TestParentAttrsKeepOnlyWhatNothingChanged: a create keeps the parent's
// attributes only when no other change of the directory was seen since
// it began (or is seen before the getattr), a later answer wins, and an
// answer is given once.
func TestParentAttrsKeepOnlyWhatNothingChanged(t *testing.T) {
	g := fop.NewGfid()
	at := func(sec int64) fop.Attr { return fop.Attr{Gfid: g, Ctime: fop.Timespec{Sec: sec}} }
	p := newParentAttrs()

	seq := p.begin(g)
	p.keep(g, seq, at(10))
	if a, ok := p.take(g); !ok || a.Ctime.Sec != 10 {
		t.Fatalf("take after a create: %v %v", a, ok)
	}
	if _, ok := p.take(g); ok {
		t.Fatal("a kept answer was given twice")
	}

	seq = p.begin(g)
	p.changed(g) // an unlink finished while the create ran
	p.keep(g, seq, at(11))
	if _, ok := p.take(g); ok {
		t.Fatal("kept an answer across another change")
	}

	seq = p.begin(g)
	p.keep(g, seq, at(12))
	p.changed(g) // a change after the create: the answer is stale
	if _, ok := p.take(g); ok {
		t.Fatal("gave an answer older than a change seen")
	}

	s1, s2 := p.begin(g), p.begin(g) // two creates at once
	p.keep(g, s2, at(14))
	p.keep(g, s1, at(13)) // the older answer comes back last
	if a, ok := p.take(g); !ok || a.Ctime.Sec != 14 {
		t.Fatalf("two creates: took %v %v, want the later ctime 14", a.Ctime, ok)
	}

	seq = p.begin(g)
	p.clear() // notifications lost
	p.begin(g)
	p.keep(g, seq, at(15))
	if _, ok := p.take(g); ok {
		t.Fatal("kept an answer across a clear")
	}
}
