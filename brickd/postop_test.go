package brickd

import (
	"slices"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// TestInodelkPostOp: an unlock that carries a post-op applies it before
// the lock is released; post-op deltas that cannot be applied still
// release the lock and leave the counters alone; a lock request cannot
// carry them.
func TestInodelkPostOp(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	a.wantFeature(brickpb.FeatureInodelkPostOp)
	const id = "11111111-1111-1111-1111-111111111111"
	g, fd := a.create(root, "f")
	a.release(fd)
	inodelk := func(c *client, typ brickpb.LockType, post ...*brickpb.PendingDelta) int32 {
		t.Helper()
		return c.dataLock(g, typ, post...)
	}
	data := func() uint32 {
		t.Helper()
		x, err := b.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: b.id, Gfid: g})
		must(t, err)
		for _, p := range x.GetPending() {
			if p.GetBrickId() == id {
				return p.GetData()
			}
		}
		return 0
	}
	// The pre-op, under the lock.
	wantErrno(t, "lock", inodelk(a, wr), 0)
	if _, err := a.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: a.id, Gfid: g, Deltas: []*brickpb.PendingDelta{{BrickId: id, Data: 2}}}); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, "another session while locked", inodelk(b, wr), syscall.EAGAIN)
	// Post-op and unlock in one call.
	wantErrno(t, "unlock with a post-op", inodelk(a, un, &brickpb.PendingDelta{BrickId: id, Data: -1}), 0)
	if got := data(); got != 1 {
		t.Errorf("data counter after the post-op: %d, want 1", got)
	}
	wantErrno(t, "another session after the unlock", inodelk(b, wr), 0)
	wantErrno(t, "its unlock", inodelk(b, un), 0)

	// A post-op with a lock request is refused, and takes nothing.
	wantErrno(t, "lock with a post-op", inodelk(a, wr, &brickpb.PendingDelta{BrickId: id, Data: -1}), syscall.EINVAL)
	if got := data(); got != 1 {
		t.Errorf("data counter after a refused lock: %d, want 1", got)
	}
	wantErrno(t, "another session after a refused lock", inodelk(b, wr), 0)
	wantErrno(t, "its unlock", inodelk(b, un), 0)

	// A post-op the brick refuses (a bad brick id): its error, the
	// counters unchanged, and the lock released all the same.
	wantErrno(t, "lock again", inodelk(a, wr), 0)
	wantErrno(t, "unlock with a bad post-op", inodelk(a, un, &brickpb.PendingDelta{BrickId: "a/b", Data: -1}), syscall.EINVAL)
	if got := data(); got != 1 {
		t.Errorf("data counter after a refused post-op: %d, want 1", got)
	}
	wantErrno(t, "another session after a refused post-op", inodelk(b, wr), 0)
}

// TestReleaseEndsWindow: a release that carries an unlock applies the
// post-op, releases the inode lock and closes the fd; a post-op without
// an unlock is refused and leaves the fd open.
func TestReleaseEndsWindow(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	a.wantFeature(brickpb.FeatureReleaseUnlock)
	const id = "11111111-1111-1111-1111-111111111111"
	g, fd := a.create(root, "f")
	inodelk := func(c *client, typ brickpb.LockType, post ...*brickpb.PendingDelta) int32 {
		t.Helper()
		return c.dataLock(g, typ, post...)
	}
	release := func(req *brickpb.FdRequest) int32 {
		t.Helper()
		req.Session, req.Gfid, req.Fd = a.id, g, fd
		r, err := a.rpc.Release(ctx, req)
		must(t, err)
		return r.GetErrno()
	}
	wantErrno(t, "lock", inodelk(a, wr), 0)
	if _, err := a.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: a.id, Gfid: g, Deltas: []*brickpb.PendingDelta{{BrickId: id, Data: 1}}}); err != nil {
		t.Fatal(err)
	}
	post := []*brickpb.PendingDelta{{BrickId: id, Data: -1}}
	wantErrno(t, "release with a post-op but no unlock", release(&brickpb.FdRequest{PostOp: post}), syscall.EINVAL)
	wantErrno(t, "another session while the window is open", inodelk(b, wr), syscall.EAGAIN)
	wantErrno(t, "release ending the window", release(&brickpb.FdRequest{UnlockDomain: "afr.data", UnlockOwner: 7, PostOp: post}), 0)
	x, err := b.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: b.id, Gfid: g})
	must(t, err)
	for _, p := range x.GetPending() {
		if p.GetBrickId() == id && p.GetData() != 0 {
			t.Errorf("data counter after the release: %d, want 0", p.GetData())
		}
	}
	wantErrno(t, "another session after the release", inodelk(b, wr), 0)
	wantErrno(t, "the fd after its release", release(&brickpb.FdRequest{}), syscall.EBADF)
}

// dataLock makes an inodelk request of owner 7 over the whole of g in
// afr.data, with post-op deltas, and returns its errno.
func (c *client) dataLock(g []byte, typ brickpb.LockType, post ...*brickpb.PendingDelta) int32 {
	c.t.Helper()
	r, err := c.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: c.id, Gfid: g, Domain: "afr.data", Cmd: set,
		Lock: &brickpb.Lock{Type: typ, End: eof, Owner: 7}, PostOp: post})
	must(c.t, err)
	return r.GetErrno()
}

// wantFeature fails the test unless the session's server announced name.
func (c *client) wantFeature(name string) {
	c.t.Helper()
	if !slices.Contains(c.first.GetFeatures(), name) {
		c.t.Fatalf("session features %q lack %q", c.first.GetFeatures(), name)
	}
}
