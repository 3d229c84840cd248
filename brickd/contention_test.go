package brickd

import (
	"bytes"
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/brickd/internal/locks"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// TestLockContentionEvent: a blocking inodelk that has to wait tells the
// session holding the lock (EVENT_LOCK_CONTENTION with gfid and domain),
// once while the event waits in its queue; other sessions hear nothing,
// and non-blocking requests tell no one.
func TestLockContentionEvent(t *testing.T) {
	ts := newTestServer(t)
	holder, waiter, bystander := ts.session(), ts.session(), ts.session()
	g, _ := holder.create(root, "f")
	inodelk := func(c *client, cmd brickpb.LkCmd, typ brickpb.LockType, owner uint64) int32 {
		r, err := c.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: c.id, Gfid: g, Domain: "afr.data", Cmd: cmd,
			Lock: &brickpb.Lock{Type: typ, End: eof, Owner: owner}})
		must(t, err)
		return r.GetErrno()
	}
	wantErrno(t, "holder", inodelk(holder, set, wr, 1), 0)
	drain(holder, bystander)
	wantErrno(t, "non-blocking", inodelk(waiter, set, wr, 1), syscall.EAGAIN)
	if ev := nextEvent(holder, 100*time.Millisecond); ev != nil {
		t.Fatalf("a non-blocking request sent %v", ev)
	}
	done := make(chan int32, 1)
	go func() { done <- inodelk(waiter, setw, wr, 1) }()
	ev := nextEvent(holder, 10*time.Second)
	if ev.GetKind() != brickpb.EventKind_EVENT_LOCK_CONTENTION || !bytes.Equal(ev.GetGfid(), g) || ev.GetDomain() != "afr.data" {
		t.Fatalf("holder got %v, want lock contention on the file in afr.data", ev)
	}
	waitFor(t, "waiter blocked", func() bool {
		return waiter.blockedOn(locks.Key{Space: locks.Inode, Gfid: mustGfid(t, g), Domain: "afr.data"})
	})
	wantErrno(t, "holder unlocks", inodelk(holder, set, un, 1), 0)
	if e := <-done; e != 0 {
		t.Fatalf("waiter: %v", syscall.Errno(e))
	}
	for _, c := range []*client{bystander, waiter} {
		for ev := nextEvent(c, 100*time.Millisecond); ev != nil; ev = nextEvent(c, 0) {
			if ev.GetKind() == brickpb.EventKind_EVENT_LOCK_CONTENTION {
				t.Fatalf("session %d got %v", c.id, ev)
			}
		}
	}
}

// nextEvent returns the next event of c within d, or nil.
func nextEvent(c *client, d time.Duration) *brickpb.Event {
	select {
	case ev := <-c.events:
		return ev
	case <-time.After(d):
		return nil
	}
}

// drain discards the events the clients received so far.
func drain(cs ...*client) {
	for _, c := range cs {
		for nextEvent(c, 50*time.Millisecond) != nil {
		}
	}
}
