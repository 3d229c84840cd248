package posix

import (
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// The benchmarks measure the brick's own work for one operation, without
// gRPC (brickd's benchmarks measure it through the server). Each starts
// with a new brick, so creates also make the handle directories they need,
// as on a new volume. Run them as root:
//
//	go test -run '^$' -bench . -benchtime 5000x ./brickd/internal/posix/

func newBenchBrick(b *testing.B) (*Brick, gfid.Gfid) {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("brick benchmarks need root (trusted.* xattrs, chown)")
	}
	br, err := Open(b.TempDir(), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { br.Close() })
	dir := gfid.New()
	if _, err := br.Mkdir(gfid.Root, "bench", benchInode(dir, 0o755)); err != nil {
		b.Fatal(err)
	}
	return br, dir
}

// benchInode is a new inode of an ordinary user, so that ownership is set.
func benchInode(g gfid.Gfid, mode uint32) NewInode {
	return NewInode{Gfid: g, Mode: mode, Uid: 1000, Gid: 1000}
}

func benchName(i int) string { return "f" + strconv.Itoa(i) }

func BenchmarkCreateClose(b *testing.B) {
	br, dir := newBenchBrick(b)
	for i := 0; b.Loop(); i++ {
		f, _, _, err := br.Create(dir, benchName(i), unix.O_RDWR|unix.O_EXCL, benchInode(gfid.New(), 0o644))
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

func BenchmarkMknodRegular(b *testing.B) {
	br, dir := newBenchBrick(b)
	for i := 0; b.Loop(); i++ {
		if _, err := br.Mknod(dir, benchName(i), benchInode(gfid.New(), unix.S_IFREG|0o644)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMkdir(b *testing.B) {
	br, dir := newBenchBrick(b)
	for i := 0; b.Loop(); i++ {
		if _, err := br.Mkdir(dir, benchName(i), benchInode(gfid.New(), 0o755)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookupFile(b *testing.B) {
	br, dir := newBenchBrick(b)
	if _, err := br.Mknod(dir, "f", benchInode(gfid.New(), unix.S_IFREG|0o644)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := br.Lookup(dir, "f", gfid.Gfid{}, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookupDir(b *testing.B) {
	br, _ := newBenchBrick(b)
	for b.Loop() {
		if _, err := br.Lookup(gfid.Root, "bench", gfid.Gfid{}, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkXattropMarkUnmark is the pre-op and post-op of one
// transaction on one brick: +1 then −1 of the data counters of three
// bricks, so the dirty index entry comes and goes.
func BenchmarkXattropMarkUnmark(b *testing.B) {
	br, dir := newBenchBrick(b)
	g := gfid.New()
	if _, err := br.Mknod(dir, "x", benchInode(g, unix.S_IFREG|0o644)); err != nil {
		b.Fatal(err)
	}
	ids := []string{gfid.New().String(), gfid.New().String(), gfid.New().String()}
	delta := func(d int32) []PendingDelta {
		out := make([]PendingDelta, len(ids))
		for i, id := range ids {
			out[i] = PendingDelta{BrickID: id, Data: d}
		}
		return out
	}
	up, down := delta(1), delta(-1)
	for b.Loop() {
		if _, err := br.Xattrop(g, up); err != nil {
			b.Fatal(err)
		}
		if _, err := br.Xattrop(g, down); err != nil {
			b.Fatal(err)
		}
	}
}
