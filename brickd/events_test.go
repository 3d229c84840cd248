package brickd

import (
	"bytes"
	"testing"
	"time"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// expectEvents waits until c received every event of want (in any order,
// others allowed) and returns what it received.
func (c *client) expectEvents(want ...*brickpb.Event) []*brickpb.Event {
	c.t.Helper()
	var got []*brickpb.Event
	deadline := time.After(10 * time.Second)
	for !containsAll(got, want) {
		select {
		case ev := <-c.events:
			got = append(got, ev)
		case <-deadline:
			c.t.Fatalf("events %v not all received; got %v", want, got)
		}
	}
	return got
}

func containsAll(got, want []*brickpb.Event) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			if g.GetKind() == w.GetKind() && bytes.Equal(g.GetGfid(), w.GetGfid()) && bytes.Equal(g.GetParent(), w.GetParent()) && bytes.Equal(g.GetName(), w.GetName()) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func entryEv(parent []byte, name string) *brickpb.Event {
	return &brickpb.Event{Kind: brickpb.EventKind_EVENT_ENTRY, Parent: parent, Name: []byte(name)}
}

func inodeEv(g []byte) *brickpb.Event {
	return &brickpb.Event{Kind: brickpb.EventKind_EVENT_INODE, Gfid: g}
}

func TestEventsGoToOtherSessions(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	d := a.mkdir(root, "d")
	b.expectEvents(entryEv(root, "d"), inodeEv(root))
	g, fd := a.create(d, "f")
	b.expectEvents(entryEv(d, "f"), inodeEv(d))
	a.write(g, fd, 0, "x")
	b.expectEvents(inodeEv(g))
	_, err := a.rpc.Setattr(ctx, &brickpb.SetattrRequest{Session: a.id, Gfid: g, Valid: uint32(brickpb.SetattrValid_SETATTR_MODE), Mode: 0o600})
	must(t, err)
	b.expectEvents(inodeEv(g))
	_, err = a.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: a.id, Gfid: d, Name: []byte("user.x"), Value: []byte("1")})
	must(t, err)
	b.expectEvents(inodeEv(d))
	_, err = a.rpc.Rename(ctx, &brickpb.RenameRequest{Session: a.id, OldParent: d, OldName: []byte("f"), NewParent: root, NewName: []byte("g")})
	must(t, err)
	b.expectEvents(entryEv(d, "f"), entryEv(root, "g"), inodeEv(g))
	_, err = a.rpc.Link(ctx, &brickpb.LinkRequest{Session: a.id, Gfid: g, NewParent: d, NewName: []byte("h")})
	must(t, err)
	b.expectEvents(entryEv(d, "h"), inodeEv(g))
	_, err = a.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: a.id, Parent: d, Name: []byte("h")})
	must(t, err)
	b.expectEvents(entryEv(d, "h"), inodeEv(g), inodeEv(d))
	_, err = a.rpc.Fallocate(ctx, &brickpb.FallocateRequest{Session: a.id, Fd: fd, Length: 4096})
	must(t, err)
	b.expectEvents(inodeEv(g))
	// The originating session never hears its own changes.
	b.write(g, 0, 0, "from b")
	a.expectEvents(inodeEv(g))
	select {
	case ev := <-b.events:
		if ev.GetKind() == brickpb.EventKind_EVENT_INODE && bytes.Equal(ev.GetGfid(), g) {
			// Only a's earlier writes may still be in flight; b's own may not.
			t.Logf("late event %v", ev)
		}
	default:
	}
	a.release(fd)
}

func TestOriginGetsNoEvents(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	for i := 0; i < 20; i++ {
		_, fd := a.create(root, "f"+string(rune('a'+i)))
		a.release(fd)
	}
	// A marker from b proves a's queue was flushed up to that point.
	b.mkdir(root, "marker")
	got := a.expectEvents(entryEv(root, "marker"))
	for _, ev := range got {
		if ev.GetKind() == brickpb.EventKind_EVENT_ENTRY && string(ev.GetName()) != "marker" {
			t.Fatalf("a received its own event %v", ev)
		}
	}
}

func TestEventQueueCoalescesAndOverflows(t *testing.T) {
	q := newEventQueue(3)
	g := gfid.New()
	for i := 0; i < 10; i++ {
		q.push(inodeEvent(g))
	}
	q.push(entryEvent(g, "x"))
	if got := q.take(); len(got) != 2 {
		t.Fatalf("coalescing: %v", got)
	}
	for i := 0; i < 4; i++ {
		q.push(entryEvent(g, string(rune('a'+i))))
	}
	got := q.take()
	if len(got) != 1 || got[0].kind != brickpb.EventKind_EVENT_OVERFLOW {
		t.Fatalf("overflow: %v", got)
	}
	q.push(inodeEvent(g))
	if got := q.take(); len(got) != 1 || got[0].kind != brickpb.EventKind_EVENT_INODE {
		t.Fatalf("after overflow: %v", got)
	}
	if got := q.take(); len(got) != 0 {
		t.Fatalf("empty queue: %v", got)
	}
}

func TestSlowClientDoesNotBlockOps(t *testing.T) {
	ts := newTestServer(t)
	a := ts.session()
	// b never reads its stream.
	sctx, cancel := contextWithCancel()
	defer cancel()
	stream, err := ts.rpc.Session(sctx, &brickpb.SessionRequest{Brick: "b1"})
	must(t, err)
	first, err := stream.Recv()
	must(t, err)
	d := a.mkdir(root, "d")
	for i := 0; i < 1000; i++ {
		_, err := a.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: a.id, Parent: d, Name: []byte("n" + itoa(i)), Gfid: newID(), Mode: 0o755, Caller: caller0})
		must(t, err)
	}
	// b is still there and, reading now, gets an overflow or its events.
	ev, err := stream.Recv()
	must(t, err)
	if ev.GetKind() == brickpb.EventKind_EVENT_SESSION || first.GetSession() == 0 {
		t.Fatalf("unexpected %v", ev)
	}
}
