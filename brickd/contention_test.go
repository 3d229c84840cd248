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

// TestQuietSession: a session opened with no_change_events hears none of
// the entry and inode changes of others, but still hears lock contention.
// Its queue is in order, so contention arriving first proves that no
// change event was queued before it.
func TestQuietSession(t *testing.T) {
	ts := newTestServer(t)
	quiet := ts.sessionWith(&brickpb.SessionRequest{Brick: "b1", Client: t.Name(), NoChangeEvents: true})
	writer, listener := ts.session(), ts.session()
	d := writer.mkdir(root, "d")
	g, fd := writer.create(d, "f")
	writer.write(g, fd, 0, "x")
	listener.expectEvents(entryEv(root, "d"), entryEv(d, "f"), inodeEv(g))

	lock := func(c *client, cmd brickpb.LkCmd, typ brickpb.LockType) int32 {
		r, err := c.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: c.id, Gfid: g, Domain: "afr.data", Cmd: cmd,
			Lock: &brickpb.Lock{Type: typ, End: eof, Owner: 7}})
		must(t, err)
		return r.GetErrno()
	}
	wantErrno(t, "quiet locks", lock(quiet, set, wr), 0)
	done := make(chan int32, 1)
	go func() { done <- lock(writer, setw, wr) }()
	ev := nextEvent(quiet, 10*time.Second)
	if ev.GetKind() != brickpb.EventKind_EVENT_LOCK_CONTENTION || !bytes.Equal(ev.GetGfid(), g) {
		t.Fatalf("quiet session's first event is %v, want lock contention on the file", ev)
	}
	wantErrno(t, "quiet unlocks", lock(quiet, set, un), 0)
	if e := <-done; e != 0 {
		t.Fatalf("writer: %v", syscall.Errno(e))
	}
	writer.write(g, fd, 1, "y")
	listener.expectEvents(inodeEv(g))
	if ev := nextEvent(quiet, 100*time.Millisecond); ev != nil {
		t.Fatalf("quiet session got %v", ev)
	}
}
