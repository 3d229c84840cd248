package mount

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

// fakeVol is a set or dht layer that counts Close and opens fakeFiles.
type fakeVol struct {
	fop.Volume // nil: only what the test calls is implemented
	closed     atomic.Int32
}

func (v *fakeVol) Close() error          { v.closed.Add(1); return nil }
func (v *fakeVol) Watch(func(fop.Event)) {}
func (v *fakeVol) Open(context.Context, fop.Gfid, uint32) (fop.File, error) {
	return fakeFile{}, nil
}

type fakeFile struct{ fop.File }

func (fakeFile) Release(context.Context) error { return nil }

// TestGenerationRetired: after a swap, the sets the new generation did
// not take over close once the last file opened in the old generation is
// released, and a set both share is never closed.
func TestGenerationRetired(t *testing.T) {
	ctx := context.Background()
	shared, replaced, added := &fakeVol{}, &fakeVol{}, &fakeVol{}
	g1 := &generation{top: &fakeVol{}, sets: []*setStack{{name: "a", vol: shared}, {name: "b", vol: replaced}}}
	s := newSwapVolume(g1)
	f, err := s.Open(ctx, fop.RootGfid, 0)
	if err != nil {
		t.Fatal(err)
	}
	g2 := &generation{top: &fakeVol{}, sets: []*setStack{g1.sets[0], {name: "b", vol: added}}}
	s.swap(g2, g2.sets[1:])
	if s.current() != g2 || replaced.closed.Load() != 0 {
		t.Fatalf("after the swap: current is g2 %v, replaced set closed %d times while a file of g1 is open", s.current() == g2, replaced.closed.Load())
	}
	f2, err := s.Open(ctx, fop.RootGfid, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f2.(*genFile).g != g2 {
		t.Fatal("an open after the swap went to the old generation")
	}
	if err := f.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if replaced.closed.Load() != 1 || shared.closed.Load() != 0 || added.closed.Load() != 0 {
		t.Fatalf("after the last release of g1: closes replaced %d shared %d added %d; want 1 0 0",
			replaced.closed.Load(), shared.closed.Load(), added.closed.Load())
	}
	_ = f.Release(ctx) // a second release must not drop another reference
	if err := f2.Release(ctx); err != nil {
		t.Fatal(err)
	}
	s.closeAll()
	if replaced.closed.Load() != 1 || shared.closed.Load() != 1 || added.closed.Load() != 1 {
		t.Fatalf("after closeAll: closes replaced %d shared %d added %d; want 1 1 1",
			replaced.closed.Load(), shared.closed.Load(), added.closed.Load())
	}
	if g1.refs.Load() != 0 || g2.refs.Load() != 0 {
		t.Fatalf("references left: g1 %d g2 %d", g1.refs.Load(), g2.refs.Load())
	}
}
