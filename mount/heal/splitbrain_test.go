package heal_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal"
)

// splitFile makes name on both bricks of a replica 2 set with different
// content and mtimes, each brick accusing the other.
func (f *fixture) splitFile(name, c0, c1 string, mtime0, mtime1 int64) fop.Gfid {
	f.t.Helper()
	g := f.file(fop.RootGfid, name, fop.NewGfid(), 0o644, 0, 1)
	f.write(g, 0, []byte(c0), 0)
	f.write(g, 0, []byte(c1), 1)
	f.times(g, mtime0, 0)
	f.times(g, mtime1, 1)
	f.accuse(g, afr.Data, 1, []int{0}, []int{1})
	f.accuse(g, afr.Data, 1, []int{1}, []int{0})
	return g
}

// TestSplitBrain: detected, left alone, listed by Info, resolved by each
// policy.
func TestSplitBrain(t *testing.T) {
	f := newFixture(t, 2, heal.Options{}, false)
	bigger := f.splitFile("bigger", "small", "the bigger one", 1_600_000_000, 1_500_000_000)
	latest := f.splitFile("latest", "newer", "older copy", 1_600_000_000, 1_500_000_000)
	chosen := f.splitFile("chosen", "zero", "one", 1_600_000_000, 1_600_000_000)
	clean := f.file(fop.RootGfid, "clean", fop.NewGfid(), 0o644, 0, 1)
	f.times(clean, 1_600_000_000, 0, 1)

	r := f.heal(bigger)
	if !slices.Equal(r.SplitBrain, []afr.Kind{afr.Data}) || len(r.Healed) != 0 {
		t.Fatalf("heal of a split-brain: %+v", r)
	}
	if string(f.read(0, "bigger")) != "small" || string(f.read(1, "bigger")) != "the bigger one" {
		t.Fatal("a split-brain was healed without a policy")
	}

	info, err := f.e.Info(ctx)
	f.must(err)
	for _, b := range info.Bricks {
		var paths []string
		for _, e := range b.SplitBrain {
			paths = append(paths, e.Path)
			if !slices.Equal(e.SplitBrain, []string{"data"}) {
				t.Errorf("%s: %+v", b.Brick, e)
			}
		}
		if !slices.Equal(paths, []string{"/bigger", "/chosen", "/latest"}) || len(b.Entries) != 3 || !b.Connected {
			t.Errorf("info of %s: %+v", b.Brick, b)
		}
	}

	for _, tc := range []struct {
		g      fop.Gfid
		name   string
		policy string
		want   string
	}{
		{bigger, "bigger", heal.ResolveBiggerFile, "the bigger one"},
		{latest, "latest", heal.ResolveLatestMtime, "newer"},
		{chosen, "chosen", heal.ResolveSourceBrick + "b1", "one"},
	} {
		r, err := f.e.Resolve(ctx, tc.g, tc.policy)
		if err != nil || !slices.Equal(r.Resolved, []afr.Kind{afr.Data}) {
			t.Errorf("resolve %s with %s: %+v, %v", tc.name, tc.policy, r, err)
		}
		for i := range 2 {
			if got := string(f.read(i, tc.name)); got != tc.want {
				t.Errorf("%s on brick %d after %s: %q, want %q", tc.name, i, tc.policy, got, tc.want)
			}
		}
	}
	if _, err := f.e.Resolve(ctx, clean, heal.ResolveBiggerFile); !errors.Is(err, heal.ErrNotSplitBrain) {
		t.Errorf("resolve of a clean file: %v", err)
	}
	if _, err := f.e.Resolve(ctx, clean, "source-brick:nope"); err == nil {
		t.Error("resolve with an unknown brick succeeded")
	}
	f.settle()
	f.equal()
	if info, _ := f.e.Info(ctx); len(info.Bricks[0].Entries)+len(info.Bricks[1].Entries) != 0 {
		t.Errorf("info after resolving: %+v", info)
	}
}

// TestSplitBrainTie: bigger-file cannot choose between copies of one size.
func TestSplitBrainTie(t *testing.T) {
	f := newFixture(t, 2, heal.Options{}, false)
	g := f.splitFile("tie", "aaaa", "bbbb", 1_600_000_000, 1_500_000_000)
	if _, err := f.e.Resolve(ctx, g, heal.ResolveBiggerFile); err == nil {
		t.Fatal("bigger-file resolved copies of the same size")
	}
	if string(f.read(0, "tie")) != "aaaa" || string(f.read(1, "tie")) != "bbbb" {
		t.Fatal("a failed resolution changed a copy")
	}
}

// TestFavoriteChild: Options.Policy resolves split-brain by itself.
func TestFavoriteChild(t *testing.T) {
	for _, tc := range []struct {
		policy string
		want   string
	}{
		{heal.PolicySize, "the bigger one"},
		{heal.PolicyMtime, "newer"},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			f := newFixture(t, 2, heal.Options{Policy: tc.policy}, false)
			g := f.splitFile("f", "newer", "the bigger one", 1_600_000_000, 1_500_000_000)
			r := f.heal(g)
			if !slices.Equal(r.Resolved, []afr.Kind{afr.Data}) {
				t.Fatalf("result %+v", r)
			}
			if got := string(f.read(1, "f")); got != tc.want {
				t.Errorf("policy %s kept %q", tc.policy, got)
			}
			f.settle()
			f.equal()
		})
	}
}

// TestMajority: three bricks, the two that agree win.
func TestMajority(t *testing.T) {
	f := newFixture(t, 3, heal.Options{Policy: heal.PolicyMajority}, false)
	g := f.file(fop.RootGfid, "f", fop.NewGfid(), 0o644, f.all()...)
	f.write(g, 0, []byte("agreed"), 0, 2)
	f.write(g, 0, []byte("lonely one"), 1)
	f.times(g, 1_600_000_000, f.all()...)
	for i := range 3 {
		f.accuse(g, afr.Data, 1, []int{i}, []int{(i + 1) % 3}) // a ring of accusations: no source
	}
	r := f.heal(g)
	if !slices.Equal(r.Resolved, []afr.Kind{afr.Data}) || string(f.read(1, "f")) != "agreed" {
		t.Fatalf("majority: %+v, %q", r, f.read(1, "f"))
	}
	f.settle()
	f.equal()
}
