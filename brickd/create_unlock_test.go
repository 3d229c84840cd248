package brickd

import (
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// TestCreateReleasesEntryLock: a create asked to releases the caller's
// entry lock on the name once it made the file, and only then; its reply
// carries the parent's attributes after the create.
func TestCreateReleasesEntryLock(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	a.wantFeature(brickpb.FeatureCreateEntryUnlock)
	const domain = "afr.entry"
	entrylk := func(c *client, name string, typ brickpb.LockType) int32 { return c.entrylk(name, domain, typ, 5) }
	create := func(name string) *brickpb.CreateReply {
		t.Helper()
		r, err := a.rpc.Create(ctx, &brickpb.CreateRequest{Session: a.id, Parent: root, Name: []byte(name), Gfid: newID(), Mode: 0o644,
			Flags: uint32(syscall.O_RDWR | syscall.O_EXCL), Caller: caller0, EntryUnlockDomain: domain, EntryUnlockOwner: 5})
		must(t, err)
		return r
	}
	wantErrno(t, "entry lock", entrylk(a, "f", wr), 0)
	r := create("f")
	wantErrno(t, "create", r.GetErrno(), 0)
	if !r.GetEntryUnlocked() {
		t.Error("a create that made the file did not release the entry lock")
	}
	wantErrno(t, "another session's entry lock after the create", entrylk(b, "f", wr), 0)
	wantErrno(t, "its unlock", entrylk(b, "f", un), 0)
	// The parent's attributes after the create: what a getattr says now.
	pa, now := r.GetParentAttr(), a.getattr(root).GetAttr()
	if pa == nil || pa.GetMtime().GetSec() != now.GetMtime().GetSec() || pa.GetMtime().GetNsec() != now.GetMtime().GetNsec() ||
		pa.GetCtime().GetNsec() != now.GetCtime().GetNsec() || pa.GetNlink() != now.GetNlink() {
		t.Errorf("parent attributes in the reply %v, a getattr says %v", pa, now)
	}

	// A create that makes nothing keeps the lock, and reports no parent.
	wantErrno(t, "entry lock again", entrylk(a, "f", wr), 0)
	r = create("f")
	wantErrno(t, "O_EXCL create of an existing name", r.GetErrno(), syscall.EEXIST)
	if r.GetEntryUnlocked() || r.GetParentAttr() != nil {
		t.Errorf("a failed create: entry_unlocked %v, parent_attr %v", r.GetEntryUnlocked(), r.GetParentAttr())
	}
	wantErrno(t, "another session while the failed create's lock is held", entrylk(b, "f", wr), syscall.EAGAIN)
	wantErrno(t, "the owner's unlock", entrylk(a, "f", un), 0)
	wantErrno(t, "another session after the unlock", entrylk(b, "f", wr), 0)
}

// entrylk takes or releases the session's entry lock on (root, name) in
// domain for owner, without waiting, and returns the errno.
func (c *client) entrylk(name, domain string, typ brickpb.LockType, owner uint64) int32 {
	c.t.Helper()
	r, err := c.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{Session: c.id, Parent: root, Name: []byte(name), Domain: domain, Cmd: set, Type: typ, Owner: owner})
	must(c.t, err)
	return r.GetErrno()
}
