package brickd

import (
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// TestCreateTakesEntryLock: CreateRequest.entry_lock_domain takes the
// entry lock first. A lock another session holds makes the create do
// nothing (EAGAIN, entry_lock_busy, no file); otherwise the lock is held
// after the call, whether it made the file or failed.
func TestCreateTakesEntryLock(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	a.wantFeature(brickpb.FeatureCreateEntryLock)
	const domain = "afr.entry"
	entrylk := func(c *client, name string, typ brickpb.LockType) int32 { return c.entrylk(name, domain, typ, 9) }
	create := func(name string) *brickpb.CreateReply {
		t.Helper()
		r, err := a.rpc.Create(ctx, &brickpb.CreateRequest{Session: a.id, Parent: root, Name: []byte(name), Gfid: newID(), Mode: 0o644,
			Flags: uint32(syscall.O_RDWR | syscall.O_EXCL), Caller: caller0, EntryLockDomain: domain, EntryLockOwner: 5})
		must(t, err)
		return r
	}

	// Busy: nothing is made.
	wantErrno(t, "another session's lock", entrylk(b, "f", wr), 0)
	r := create("f")
	wantErrno(t, "create under another's lock", r.GetErrno(), syscall.EAGAIN)
	if !r.GetEntryLockBusy() || r.GetFd() != 0 {
		t.Errorf("busy create: entry_lock_busy %v, fd %d", r.GetEntryLockBusy(), r.GetFd())
	}
	if l := a.lookup(root, "f"); l.GetErrno() != int32(syscall.ENOENT) {
		t.Fatalf("a create that met a busy lock made the file: lookup errno %d", l.GetErrno())
	}
	wantErrno(t, "the other's unlock", entrylk(b, "f", un), 0)

	// Free: made, and the lock is held afterwards.
	r = create("f")
	wantErrno(t, "create", r.GetErrno(), 0)
	if r.GetEntryLockBusy() {
		t.Error("a create that took the lock says busy")
	}
	wantErrno(t, "another session after the create", entrylk(b, "f", wr), syscall.EAGAIN)

	// Failed (EEXIST, same owner: the lock is granted again): still held.
	r = create("f")
	wantErrno(t, "O_EXCL create of an existing name", r.GetErrno(), syscall.EEXIST)
	wantErrno(t, "another session after the failed create", entrylk(b, "f", wr), syscall.EAGAIN)
	wantErrno(t, "the owner's unlock", a.entrylk("f", domain, un, 5), 0)
	wantErrno(t, "another session after the unlock", entrylk(b, "f", wr), 0)

	// A hostile name is refused before any lock is taken.
	r = create("../x")
	if r.GetErrno() == 0 {
		t.Error("a create of ../x with an entry lock succeeded")
	}
}
