package dht

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/dht/internal/memvol"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/volume/layout"
)

// fixture is a dht over three in-memory sets.
type fixture struct {
	t     *testing.T
	d     *distribute
	vols  []*memvol.Vol
	table *layout.Table
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	vols := []*memvol.Vol{memvol.New("set-0"), memvol.New("set-1"), memvol.New("set-2")}
	table := layout.Uniform(len(vols))
	return &fixture{t: t, d: newDHT(t, vols, &table), vols: vols, table: &table}
}

func newDHT(t *testing.T, vols []*memvol.Vol, table *layout.Table) *distribute {
	t.Helper()
	sets := make([]fop.Volume, len(vols))
	names := make([]string, len(vols))
	for i, v := range vols {
		sets[i], names[i] = v, v.Name
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	v, err := New(sets, names, table, log)
	if err != nil {
		t.Fatal(err)
	}
	return v.(*distribute)
}

// fresh is another client's dht over the same sets: nothing cached.
func (f *fixture) fresh() *distribute { return newDHT(f.t, f.vols, f.table) }

// name returns a name with prefix that hashes to set i in parent.
func (f *fixture) name(parent fop.Gfid, i int, prefix string) string {
	for n := 0; ; n++ {
		s := fmt.Sprintf("%s%d", prefix, n)
		if f.table.SetOf(parent, s) == i {
			return s
		}
	}
}

var ctx = context.Background()

func (f *fixture) create(parent fop.Gfid, name, data string) fop.Entry {
	f.t.Helper()
	e, file, err := f.d.Create(ctx, parent, name, syscall.O_RDWR, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o644})
	if err != nil {
		f.t.Fatalf("create %s: %v", name, err)
	}
	if _, err := file.Write(ctx, []byte(data), 0); err != nil {
		f.t.Fatal(err)
	}
	if err := file.Release(ctx); err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *fixture) mkdir(parent fop.Gfid, name string) fop.Entry {
	f.t.Helper()
	e, err := f.d.Mkdir(ctx, parent, name, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o750, Caller: fop.Caller{Uid: 7, Gid: 8}})
	if err != nil {
		f.t.Fatalf("mkdir %s: %v", name, err)
	}
	return e
}

// read returns the content of the file (parent, name) read through d.
func (f *fixture) read(d *distribute, parent fop.Gfid, name string) string {
	f.t.Helper()
	e, err := d.Lookup(ctx, parent, name)
	if err != nil {
		f.t.Fatalf("lookup %s: %v", name, err)
	}
	if e.Linkto != "" {
		f.t.Fatalf("lookup %s returned a linkto to %s", name, e.Linkto)
	}
	file, err := d.Open(ctx, e.Gfid, syscall.O_RDONLY)
	if err != nil {
		f.t.Fatalf("open %s: %v", name, err)
	}
	defer file.Release(ctx)
	buf := make([]byte, 4096)
	n, err := file.Read(ctx, buf, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(buf[:n])
}

// names returns the entries of dir on every set ("name" or "name@set" for linkto).
func (f *fixture) names(dir fop.Gfid) [][]string {
	out := make([][]string, len(f.vols))
	for i, v := range f.vols {
		out[i] = v.Names(dir)
	}
	return out
}

func (f *fixture) wantNames(dir fop.Gfid, want ...[]string) {
	f.t.Helper()
	got := f.names(dir)
	for i := range want {
		if want[i] == nil {
			want[i] = []string{}
		}
		slices.Sort(want[i])
		if got[i] == nil {
			got[i] = []string{}
		}
		if !slices.Equal(got[i], want[i]) {
			f.t.Errorf("set %d holds %q, want %q", i, got[i], want[i])
		}
	}
}

func wantErrno(t *testing.T, err error, want syscall.Errno) {
	t.Helper()
	var got syscall.Errno
	if !errors.As(err, &got) || got != want {
		t.Fatalf("error %v, want %v", err, want)
	}
}

// readAll lists dir through d in pages of max entries.
func readAll(t *testing.T, d fop.Volume, dir fop.Gfid, max int) []fop.Dirent {
	t.Helper()
	h, err := d.Opendir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctx)
	var out []fop.Dirent
	cookie := uint64(0)
	for i := 0; ; i++ {
		ents, eof, err := h.Readdir(ctx, cookie, max)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ents...)
		if len(ents) > 0 {
			cookie = ents[len(ents)-1].Cookie
		}
		if eof {
			return out
		}
		if i > 100000 {
			t.Fatal("readdir never ends")
		}
	}
}
