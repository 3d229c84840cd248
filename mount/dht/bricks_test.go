package dht

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/brickd"
	"github.com/mortarfs/mortar/mount/client"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/volume"
	"github.com/mortarfs/mortar/volume/layout"
)

// brickFixture is dht over three real bricks (one brick server, three
// brick clients), for what the in-memory sets cannot prove: that the
// bricks accept the linkto files and renames dht makes.
type brickFixture struct {
	t      *testing.T
	d      *distribute
	bricks []*client.Brick
	dirs   []string
	table  *layout.Table
}

func newBrickFixture(t *testing.T) *brickFixture {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the brick server keeps gfids in trusted.* xattrs; skipped when not root")
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := &brickFixture{t: t}
	addr := f.startServer(quiet)
	sets := make([]fop.Volume, 3)
	names := make([]string, 3)
	for i := range 3 {
		b, err := client.New(volume.BrickRef{Addr: addr, Name: fmt.Sprintf("b%d", i)}, client.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = b.WaitReady(wctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		f.bricks = append(f.bricks, b)
		sets[i], names[i] = b, fmt.Sprintf("vol-set-%d", i)
	}
	table := layout.Uniform(3)
	f.table = &table
	v, err := New(sets, names, f.table, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Close() })
	f.d = v.(*distribute)
	return f
}

// startServer serves three bricks b0, b1, b2 from one brick server until
// the test ends, and returns its address.
func (f *brickFixture) startServer(log *slog.Logger) string {
	t := f.t
	cfg := brickd.Config{Logger: log}
	for i := range 3 {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("b%d", i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		f.dirs = append(f.dirs, dir)
		cfg.Bricks = append(cfg.Bricks, brickd.BrickConfig{Name: fmt.Sprintf("b%d", i), Path: dir})
	}
	srv, err := brickd.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, lis) }()
	t.Cleanup(func() {
		cancel()
		<-served
	})
	return lis.Addr().String()
}

func (f *brickFixture) name(parent fop.Gfid, set int, prefix string) string {
	for n := 0; ; n++ {
		s := fmt.Sprintf("%s%d", prefix, n)
		if f.table.SetOf(parent, s) == set {
			return s
		}
	}
}

// onDisk lists a directory of brick i as the administrator sees it,
// marking linkto files "@".
func (f *brickFixture) onDisk(i int, rel string) []string {
	f.t.Helper()
	ents, err := os.ReadDir(filepath.Join(f.dirs[i], rel))
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name() == ".mortar" {
			continue
		}
		info, _ := e.Info()
		if info.Mode()&os.ModeSticky != 0 && info.Mode().IsRegular() && info.Size() == 0 {
			out = append(out, e.Name()+"@")
			continue
		}
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func (f *brickFixture) want(rel string, want ...[]string) {
	f.t.Helper()
	for i := range want {
		got := f.onDisk(i, rel)
		sort.Strings(want[i])
		if fmt.Sprint(got) != fmt.Sprint(want[i]) {
			f.t.Errorf("brick %d holds %q, want %q", i, got, want[i])
		}
	}
}

func (f *brickFixture) create(parent fop.Gfid, name, data string) fop.Entry {
	f.t.Helper()
	e, file, err := f.d.Create(ctx, parent, name, syscall.O_RDWR, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o644})
	if err != nil {
		f.t.Fatalf("create %s: %v", name, err)
	}
	defer file.Release(ctx)
	if _, err := file.Write(ctx, []byte(data), 0); err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *brickFixture) read(parent fop.Gfid, name string) string {
	f.t.Helper()
	e, err := f.d.Lookup(ctx, parent, name)
	if err != nil {
		f.t.Fatalf("lookup %s: %v", name, err)
	}
	file, err := f.d.Open(ctx, e.Gfid, syscall.O_RDONLY)
	if err != nil {
		f.t.Fatal(err)
	}
	defer file.Release(ctx)
	buf := make([]byte, 100)
	n, err := file.Read(ctx, buf, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(buf[:n])
}

func TestBricksRenameAndLink(t *testing.T) {
	f := newBrickFixture(t)
	root := fop.RootGfid
	a, b, c := f.name(root, 0, "a"), f.name(root, 1, "b"), f.name(root, 1, "c")
	e := f.create(root, a, "data")
	old := f.create(root, b, "old") // replaced by the rename below
	if err := f.d.Rename(ctx, root, a, root, b, 0); err != nil {
		t.Fatal(err)
	}
	f.want("", []string{b}, []string{b + "@"}, nil)
	if got := f.read(root, b); got != "data" {
		t.Fatalf("read %q", got)
	}
	if _, err := f.bricks[1].Getattr(ctx, old.Gfid); err == nil {
		t.Fatal("the replaced file survives on brick 1")
	}
	// A second name hashing to brick 1: the brick's linkto inode gets a
	// second name.
	if _, err := f.d.Link(ctx, e.Gfid, root, c); err != nil {
		t.Fatal(err)
	}
	f.want("", []string{b, c}, []string{b + "@", c + "@"}, nil)
	if got := f.read(root, c); got != "data" {
		t.Fatalf("read %q", got)
	}
	if err := f.d.Unlink(ctx, root, b); err != nil {
		t.Fatal(err)
	}
	f.want("", []string{c}, []string{c + "@"}, nil)
	ents := readAll(t, f.d, root, 100)
	if len(ents) != 1 || ents[0].Name != c || ents[0].Gfid != e.Gfid {
		t.Fatalf("readdir %+v", ents)
	}
}

func TestBricksDirectories(t *testing.T) {
	f := newBrickFixture(t)
	root := fop.RootGfid
	dir, err := f.d.Mkdir(ctx, root, "d", fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o750, Caller: fop.Caller{Uid: 12, Gid: 34}})
	if err != nil {
		t.Fatal(err)
	}
	f.want("", []string{"d"}, []string{"d"}, []string{"d"})
	// Gone from brick 2 (outside dht): the next lookup heals it.
	if err := f.bricks[2].Rmdir(ctx, root, "d"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.Lookup(ctx, root, "d"); err != nil {
		t.Fatal(err)
	}
	healed, err := f.bricks[2].Lookup(ctx, root, "d")
	if err != nil || healed.Gfid != dir.Gfid || healed.Uid != 12 || healed.Gid != 34 || healed.Mode&0o7777 != 0o750 {
		t.Fatalf("healed %+v, %v", healed.Attr, err)
	}
	// A stale linkto does not keep it from being removed.
	if _, err := f.bricks[1].MknodLinkto(ctx, dir.Gfid, "ghost", fop.NewGfid(), "vol-set-0"); err != nil {
		t.Fatal(err)
	}
	f.create(dir.Gfid, f.name(dir.Gfid, 0, "x"), "x")
	wantErrno(t, f.d.Rmdir(ctx, root, "d"), syscall.ENOTEMPTY)
	if err := f.d.Unlink(ctx, dir.Gfid, f.name(dir.Gfid, 0, "x")); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Rmdir(ctx, root, "d"); err != nil {
		t.Fatal(err)
	}
	f.want("", nil, nil, nil)
	st, err := f.d.Statfs(ctx, root)
	if err != nil || st.Blocks == 0 {
		t.Fatalf("statfs %+v, %v", st, err)
	}
}
