package heal_test

import (
	"context"
	"os"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal"
	"github.com/mortarfs/mortar/mount/heal/healtest"
)

var ctx = context.Background()

// fixture is one replica set of n bricks on a brick server of its own,
// and a heal engine over it. States are manufactured through the bricks
// (same gfids on every brick, as afr makes them) and by setting counters
// as afr transactions leave them.
type fixture struct {
	t       *testing.T
	c       *healtest.Cluster
	bricks  []fop.Brick
	written []*atomic.Int64 // data bytes written through each brick's files
	e       *heal.Engine
	arbiter bool
	gfids   map[string]fop.Gfid // sameGfid
}

func newFixture(t *testing.T, n int, opts heal.Options, arbiter bool) *fixture {
	t.Helper()
	f := &fixture{t: t, c: healtest.NewCluster(t, n), arbiter: arbiter}
	for _, b := range f.c.FopBricks() {
		w := new(atomic.Int64)
		f.written = append(f.written, w)
		f.bricks = append(f.bricks, countingBrick{Brick: b, written: w})
	}
	if opts.Logger == nil && !testing.Verbose() {
		opts.Logger = healtest.Quiet
	}
	f.e = heal.New(heal.Set{Name: "test-set", Bricks: f.bricks, Arbiter: arbiter}, opts)
	t.Cleanup(func() { _ = f.e.Close() })
	return f
}

// all returns the indexes of every brick.
func (f *fixture) all() []int {
	out := make([]int, len(f.bricks))
	for i := range out {
		out[i] = i
	}
	return out
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// file makes the regular file name in parent with gfid g on the bricks of on.
func (f *fixture) file(parent fop.Gfid, name string, g fop.Gfid, mode uint32, on ...int) fop.Gfid {
	f.t.Helper()
	for _, i := range on {
		_, fl, err := f.bricks[i].Create(ctx, parent, name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, fop.NewInode{Gfid: g, Mode: mode})
		f.must(err)
		f.must(fl.Release(ctx))
	}
	return g
}

// dir makes the directory name in parent with gfid g on the bricks of on.
func (f *fixture) dir(parent fop.Gfid, name string, g fop.Gfid, on ...int) fop.Gfid {
	f.t.Helper()
	for _, i := range on {
		_, err := f.bricks[i].Mkdir(ctx, parent, name, fop.NewInode{Gfid: g, Mode: 0o755})
		f.must(err)
	}
	return g
}

// write writes data at off in g on the bricks of on.
func (f *fixture) write(g fop.Gfid, off int64, data []byte, on ...int) {
	f.t.Helper()
	for _, i := range on {
		fl, err := f.bricks[i].Open(ctx, g, unix.O_WRONLY)
		f.must(err)
		_, err = fl.Write(ctx, data, off)
		f.must(err)
		f.must(fl.Release(ctx))
	}
}

// times sets the atime and mtime of g to sec on the bricks of on.
func (f *fixture) times(g fop.Gfid, sec int64, on ...int) {
	f.t.Helper()
	for _, i := range on {
		ts := fop.Timespec{Sec: sec}
		_, err := f.bricks[i].Setattr(ctx, g, fop.SetattrIn{Valid: fop.SetAtime | fop.SetMtime, Atime: ts, Mtime: ts})
		f.must(err)
	}
}

// settle gives the root directory the same times on every brick and
// forgets the bytes written so far (what the test manufactured).
func (f *fixture) settle() {
	f.t.Helper()
	f.times(fop.RootGfid, 1_600_000_000, f.all()...)
	for _, w := range f.written {
		w.Store(0)
	}
}

// accuse adds n to the counters of kind of g that the bricks of by hold
// against the bricks of against.
func (f *fixture) accuse(g fop.Gfid, kind afr.Kind, n int32, by, against []int) {
	f.t.Helper()
	for _, i := range by {
		var deltas []fop.PendingDelta
		for _, j := range against {
			deltas = append(deltas, kind.Delta(f.bricks[j].ID(), n))
		}
		_, err := f.bricks[i].Xattrop(ctx, g, deltas)
		f.must(err)
	}
}

// missed leaves the counters of a transaction on g that the bricks of
// down missed: the others accuse them.
func (f *fixture) missed(g fop.Gfid, kind afr.Kind, down ...int) {
	f.t.Helper()
	var up []int
	for i := range f.bricks {
		if !contains(down, i) {
			up = append(up, i)
		}
	}
	f.accuse(g, kind, 1, up, down)
}

func contains(s []int, x int) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func (f *fixture) heal(g fop.Gfid) heal.Result {
	f.t.Helper()
	r, err := f.e.HealGfid(ctx, g)
	if err != nil {
		f.t.Fatalf("heal %s: %v", g, err)
	}
	return r
}

// equal checks that the bricks are identical and nothing is pending.
func (f *fixture) equal() {
	f.t.Helper()
	healtest.Equal(f.t, f.c.Dirs, healtest.Options{Arbiter: f.arbiter})
	healtest.RequireClean(f.t, f.c.Dirs)
}

// path is a path inside brick i.
func (f *fixture) path(i int, rel string) string { return f.c.Dirs[i] + "/" + rel }

func (f *fixture) read(i int, rel string) []byte {
	f.t.Helper()
	b, err := os.ReadFile(f.path(i, rel))
	f.must(err)
	return b
}

// countingBrick counts the data bytes written through its files.
type countingBrick struct {
	fop.Brick
	written *atomic.Int64
}

func (b countingBrick) Open(ctx context.Context, g fop.Gfid, flags uint32) (fop.File, error) {
	fl, err := b.Brick.Open(ctx, g, flags)
	if err != nil {
		return nil, err
	}
	return countingFile{File: fl, written: b.written}, nil
}

type countingFile struct {
	fop.File
	written *atomic.Int64
}

func (f countingFile) Write(ctx context.Context, data []byte, off int64) (int, error) {
	n, err := f.File.Write(ctx, data, off)
	f.written.Add(int64(n))
	return n, err
}
