package brickd

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/proto/brickpb"
)

func TestXattropAndDirtyIndex(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "f")
	c.release(fd)
	dirty := filepath.Join(ts.path, ".mortar", "index", "dirty", mustGfid(t, g).String())
	op := func(deltas ...*brickpb.PendingDelta) *brickpb.XattropReply {
		t.Helper()
		r, err := c.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: c.id, Gfid: g, Deltas: deltas})
		must(t, err)
		return r
	}
	r := op(&brickpb.PendingDelta{BrickId: "b1", Data: 1, Metadata: 2}, &brickpb.PendingDelta{BrickId: "b2", Entry: 3})
	if r.GetErrno() != 0 || len(r.GetPending()) != 2 || r.GetPending()[0].GetMetadata() != 2 || r.GetPending()[1].GetEntry() != 3 {
		t.Fatalf("xattrop: %v", r)
	}
	if _, err := os.Stat(dirty); err != nil {
		t.Fatalf("dirty index entry missing: %v", err)
	}
	// On disk: three big-endian uint32.
	v := make([]byte, 12)
	n, err := unix.Getxattr(ts.brickPath("f"), "trusted.mortar.pending.b1", v)
	must(t, err)
	if n != 12 || binary.BigEndian.Uint32(v[0:]) != 1 || binary.BigEndian.Uint32(v[4:]) != 2 || binary.BigEndian.Uint32(v[8:]) != 0 {
		t.Fatalf("on-disk counter %x", v[:n])
	}
	// Lookup with want_pending returns them; clients cannot see them as xattrs.
	l, err := c.rpc.Lookup(ctx, &brickpb.LookupRequest{Session: c.id, Parent: root, Name: []byte("f"), WantPending: true})
	must(t, err)
	if len(l.GetPending()) != 2 || l.GetPending()[0].GetBrickId() != "b1" || l.GetPending()[0].GetData() != 1 {
		t.Fatalf("lookup pending: %v", l.GetPending())
	}
	r = op(&brickpb.PendingDelta{BrickId: "b1", Data: -1, Metadata: -2})
	if r.GetErrno() != 0 || r.GetPending()[0].GetData() != 0 {
		t.Fatalf("decrement: %v", r)
	}
	if _, err := os.Stat(dirty); err != nil {
		t.Fatalf("dirty entry dropped while b2 is pending: %v", err)
	}
	r = op(&brickpb.PendingDelta{BrickId: "b2", Entry: -3})
	if r.GetErrno() != 0 {
		t.Fatalf("decrement b2: %v", r)
	}
	if _, err := os.Stat(dirty); !os.IsNotExist(err) {
		t.Fatalf("dirty entry left with all counters zero: %v", err)
	}
	// Underflow is clamped at zero.
	r = op(&brickpb.PendingDelta{BrickId: "b1", Data: -5})
	if r.GetErrno() != 0 || r.GetPending()[0].GetData() != 0 {
		t.Fatalf("underflow: %v", r)
	}
	for _, id := range []string{"", "a/b", "x\x00y", string(make([]byte, 200))} {
		wantErrno(t, "bad brick id", op(&brickpb.PendingDelta{BrickId: id, Data: 1}).GetErrno(), syscall.EINVAL)
	}
	// Directories too.
	d := c.mkdir(root, "d")
	r2, err := c.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: c.id, Gfid: d, Deltas: []*brickpb.PendingDelta{{BrickId: "b1", Entry: 1}}})
	must(t, err)
	if r2.GetErrno() != 0 || r2.GetPending()[0].GetEntry() != 1 {
		t.Fatalf("xattrop on a dir: %v", r2)
	}
	if _, err := os.Stat(filepath.Join(ts.path, ".mortar", "index", "dirty", mustGfid(t, d).String())); err != nil {
		t.Fatal(err)
	}
}

func TestXattropConcurrentAdds(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "f")
	c.release(fd)
	const n = 50
	errs := make(chan int32, 2*n)
	for i := 0; i < n; i++ {
		for _, d := range []int32{1, 2} {
			go func() {
				r, err := c.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: c.id, Gfid: g, Deltas: []*brickpb.PendingDelta{{BrickId: "b1", Data: d}}})
				if err != nil {
					errs <- -1
					return
				}
				errs <- r.GetErrno()
			}()
		}
	}
	for i := 0; i < 2*n; i++ {
		if e := <-errs; e != 0 {
			t.Fatalf("xattrop: %d", e)
		}
	}
	r, err := c.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: c.id, Gfid: g})
	must(t, err)
	if r.GetPending()[0].GetData() != 3*n {
		t.Fatalf("lost updates: %d, want %d", r.GetPending()[0].GetData(), 3*n)
	}
}

func TestLookupAssignsGfid(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	// Entries an administrator placed on the brick directly.
	must(t, os.WriteFile(ts.brickPath("admin-file"), []byte("x"), 0o644))
	must(t, os.Mkdir(ts.brickPath("admin-dir"), 0o755))
	must(t, os.Symlink("/etc/passwd", ts.brickPath("admin-link")))
	for _, name := range []string{"admin-file", "admin-dir", "admin-link"} {
		l := c.lookup(root, name)
		if l.GetErrno() != 0 || len(l.GetAttr().GetGfid()) != 0 {
			t.Fatalf("lookup without gfid_req: %v", l)
		}
		want := newID()
		r, err := c.rpc.Lookup(ctx, &brickpb.LookupRequest{Session: c.id, Parent: root, Name: []byte(name), GfidReq: want})
		must(t, err)
		if r.GetErrno() != 0 || string(r.GetAttr().GetGfid()) != string(want) {
			t.Fatalf("lookup with gfid_req: %v", r)
		}
		if name != "admin-dir" && r.GetAttr().GetNlink() != 1 {
			t.Fatalf("nlink after handle creation: %d", r.GetAttr().GetNlink())
		}
		// A later gfid_req does not replace it.
		r, err = c.rpc.Lookup(ctx, &brickpb.LookupRequest{Session: c.id, Parent: root, Name: []byte(name), GfidReq: newID()})
		must(t, err)
		if string(r.GetAttr().GetGfid()) != string(want) {
			t.Fatalf("gfid replaced: %v", r)
		}
		if ga := c.getattr(want); ga.GetErrno() != 0 {
			t.Fatalf("getattr by the assigned gfid: %v", ga)
		}
	}
	// A missing file handle is repaired by lookup.
	g, fd := c.create(root, "f")
	c.release(fd)
	must(t, os.Remove(ts.handlePath(g)))
	wantErrno(t, "getattr without handle", c.getattr(g).GetErrno(), syscall.ESTALE)
	if l := c.lookup(root, "f"); l.GetErrno() != 0 || l.GetAttr().GetNlink() != 1 {
		t.Fatalf("lookup: %v", l)
	}
	wantErrno(t, "getattr after repair", c.getattr(g).GetErrno(), 0)
}
