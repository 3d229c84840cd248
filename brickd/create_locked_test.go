package brickd

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/brickd/internal/locks"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// TestCreateLocked: a create that asks for the first transaction's lock
// and pre-op gets both on a file it makes, and neither on a file that
// existed; other sessions wait for the lock as for any inodelk.
func TestCreateLocked(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	const domain = "afr.data"
	pending := []*brickpb.PendingDelta{{BrickId: "11111111-1111-1111-1111-111111111111", Data: 1}}
	createLocked := func(name string, flags int, g []byte) *brickpb.CreateReply {
		r, err := a.rpc.Create(ctx, &brickpb.CreateRequest{Session: a.id, Parent: root, Name: []byte(name), Gfid: g, Mode: 0o644,
			Flags: uint32(flags), Caller: caller0, LockDomain: domain, LockOwner: 7, Pending: pending})
		must(t, err)
		return r
	}
	g := newID()
	r := createLocked("f", syscall.O_RDWR|syscall.O_EXCL, g)
	wantErrno(t, "create with a lock", r.GetErrno(), 0)
	if !r.GetLocked() {
		t.Fatal("create of a new file: not locked")
	}
	if _, err := os.Stat(filepath.Join(ts.path, ".mortar", "index", "dirty", mustGfid(t, g).String())); err != nil {
		t.Errorf("no dirty index entry for the marked new file (an xattrop, even a reading one, would make it): %v", err)
	}
	binl := func(gfid []byte) int32 {
		r, err := b.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: b.id, Gfid: gfid, Domain: domain, Cmd: set, Lock: &brickpb.Lock{Type: wr, End: eof, Owner: 1}})
		must(t, err)
		return r.GetErrno()
	}
	wantErrno(t, "another session's inodelk on the new file", binl(g), syscall.EAGAIN)
	x, err := b.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: b.id, Gfid: g})
	must(t, err)
	if p := x.GetPending(); len(p) != 1 || p[0].GetData() != 1 {
		t.Errorf("pending after a locked create: %v, want data 1", p)
	}
	// An existing file: opened, but no lock and no mark.
	r = createLocked("f", syscall.O_RDWR, newID())
	wantErrno(t, "create of an existing file", r.GetErrno(), 0)
	if r.GetLocked() {
		t.Error("create of an existing file: locked")
	}
	// O_EXCL on an existing name: EEXIST, and the lock on the requested
	// gfid is given back.
	g2 := newID()
	wantErrno(t, "O_EXCL on an existing name", createLocked("f", syscall.O_RDWR|syscall.O_EXCL, g2).GetErrno(), syscall.EEXIST)
	se, _ := ts.srv.lookupSession(a.id)
	if n := se.brick.locks.Count(locks.Key{Space: locks.Inode, Gfid: mustGfid(t, g2), Domain: domain}); n != 0 {
		t.Errorf("%d locks left on the gfid of a create that failed", n)
	}
	// The owner's unlock lets the other session in.
	r2, err := a.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: a.id, Gfid: g, Domain: domain, Cmd: set, Lock: &brickpb.Lock{Type: un, End: eof, Owner: 7}})
	must(t, err)
	wantErrno(t, "unlock by the creating owner", r2.GetErrno(), 0)
	wantErrno(t, "another session's inodelk after the unlock", binl(g), 0)
}
