package client

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

var bg = context.Background()

func newInode(mode uint32) fop.NewInode {
	return fop.NewInode{Gfid: fop.NewGfid(), Mode: mode, Caller: fop.Caller{Uid: 0, Gid: 0}}
}

// TestBrickRoundTrip drives the operations of the client against a real
// brick server.
func TestBrickRoundTrip(t *testing.T) {
	s := startBrickServer(t)
	b := newTestBrick(t, s.addr, Options{})
	if b.ID() == "" {
		t.Fatal("no brick id after the first session")
	}
	dir, err := b.Mkdir(bg, fop.RootGfid, "d", newInode(0o755))
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Mkdir(bg, fop.RootGfid, "d", newInode(0o755))
	wantErrno(t, err, syscall.EEXIST)

	e := checkBigIO(t, b, dir.Gfid)
	got, err := b.Lookup(bg, dir.Gfid, "f")
	if err != nil || got.Gfid != e.Gfid || got.Size != e.Size {
		t.Fatalf("lookup %+v, %v", got.Attr, err)
	}
	_, err = b.Lookup(bg, dir.Gfid, "missing")
	wantErrno(t, err, syscall.ENOENT)

	a, err := b.Setattr(bg, e.Gfid, fop.SetattrIn{Valid: fop.SetSize | fop.SetMode, Size: 10, Mode: 0o600})
	if err != nil || a.Size != 10 || a.Mode&0o7777 != 0o600 {
		t.Fatalf("setattr %+v, %v", a, err)
	}
	checkNames(t, b, dir.Gfid, "f")

	if _, err := b.Symlink(bg, dir.Gfid, "l", "f", newInode(0o777)); err != nil {
		t.Fatal(err)
	}
	ln, _ := b.Lookup(bg, dir.Gfid, "l")
	if target, err := b.Readlink(bg, ln.Gfid); err != nil || target != "f" {
		t.Fatalf("readlink %q, %v", target, err)
	}
	if _, err := b.Link(bg, e.Gfid, dir.Gfid, "hard"); err != nil {
		t.Fatal(err)
	}
	if err := b.Rename(bg, dir.Gfid, "hard", fop.RootGfid, "moved", fop.RenameNoreplace); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, b.Rename(bg, dir.Gfid, "f", fop.RootGfid, "moved", fop.RenameNoreplace), syscall.EEXIST)
	if err := b.Unlink(bg, fop.RootGfid, "moved"); err != nil {
		t.Fatal(err)
	}
	checkNames(t, b, dir.Gfid, "f", "l")

	checkXattrs(t, b, e.Gfid)
	if st, err := b.Statfs(bg, fop.RootGfid); err != nil || st.Blocks == 0 {
		t.Fatalf("statfs %+v, %v", st, err)
	}
	wantErrno(t, b.Rmdir(bg, fop.RootGfid, "d"), syscall.ENOTEMPTY)
}

// TestLinktoThroughBrick: MknodLinkto makes a pointer file that lookup,
// getattr and readdir report as such.
func TestLinktoThroughBrick(t *testing.T) {
	s := startBrickServer(t)
	b := newTestBrick(t, s.addr, Options{})
	g := fop.NewGfid()
	lt, err := b.MknodLinkto(bg, fop.RootGfid, "p", g, "vol-set-1")
	if err != nil {
		t.Fatal(err)
	}
	if lt.Linkto != "vol-set-1" || lt.Gfid != g {
		t.Fatalf("mknod linkto: %+v", lt)
	}
	if e, err := b.Lookup(bg, fop.RootGfid, "p"); err != nil || e.Linkto != "vol-set-1" {
		t.Fatalf("lookup: %+v, %v", e, err)
	}
	if e, err := b.Getattr(bg, g); err != nil || e.Linkto != "vol-set-1" {
		t.Fatalf("getattr: %+v, %v", e, err)
	}
	ents := readAll(t, b, fop.RootGfid)
	if len(ents) != 1 || ents[0].Linkto != "vol-set-1" {
		t.Fatalf("readdir: %+v", ents)
	}
}

func readAll(t *testing.T, v fop.Volume, dir fop.Gfid) []fop.Dirent {
	t.Helper()
	d, err := v.Opendir(bg, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Release(bg)
	var out []fop.Dirent
	for cookie := uint64(0); ; {
		ents, eof, err := d.Readdir(bg, cookie, 2)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ents...)
		if len(ents) > 0 {
			cookie = ents[len(ents)-1].Cookie
		}
		if eof || len(ents) == 0 {
			return out
		}
	}
}

func checkNames(t *testing.T, v fop.Volume, dir fop.Gfid, want ...string) {
	t.Helper()
	var got []string
	for _, e := range readAll(t, v, dir) {
		got = append(got, e.Name)
	}
	sort.Strings(got)
	sort.Strings(want)
	if len(got) != len(want) {
		t.Fatalf("directory holds %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("directory holds %q, want %q", got, want)
		}
	}
}

// TestReconnectReopensFiles: the server restarts; open files and
// directories keep working through new brick fds.
func TestReconnectReopensFiles(t *testing.T) {
	s := startBrickServer(t)
	b := newTestBrick(t, s.addr, Options{ConnectTimeout: 5 * time.Second})
	events := make(chan fop.Event, 100)
	b.Watch(func(ev fop.Event) {
		select {
		case events <- ev:
		default:
		}
	})
	e, f, err := b.Create(bg, fop.RootGfid, "f", syscall.O_RDWR, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release(bg)
	if _, err := f.Write(bg, []byte("before"), 0); err != nil {
		t.Fatal(err)
	}
	d, err := b.Opendir(bg, fop.RootGfid)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Release(bg)

	s.stop()
	s.start()
	waitGen(t, b, 2)

	if _, err := f.Write(bg, []byte(" after"), 6); err != nil {
		t.Fatalf("write after reconnect: %v", err)
	}
	buf := make([]byte, 64)
	n, err := f.Read(bg, buf, 0)
	if err != nil || string(buf[:n]) != "before after" {
		t.Fatalf("read after reconnect: %q, %v", buf[:n], err)
	}
	ents, _, err := d.Readdir(bg, 0, 10)
	if err != nil || len(ents) != 1 || ents[0].Gfid != e.Gfid {
		t.Fatalf("readdir after reconnect: %+v, %v", ents, err)
	}
	if !sawOverflow(events) {
		t.Fatal("no overflow event after the reconnect")
	}
}

func sawOverflow(events chan fop.Event) bool {
	for {
		select {
		case ev := <-events:
			if ev.Kind == fop.EventOverflow {
				return true
			}
		default:
			return false
		}
	}
}

// TestServerGoneIsENOTCONN: with the server down, an operation fails with
// ENOTCONN after waiting ConnectTimeout for a reconnect.
func TestServerGoneIsENOTCONN(t *testing.T) {
	s := startBrickServer(t)
	const timeout = 400 * time.Millisecond
	b := newTestBrick(t, s.addr, Options{ConnectTimeout: timeout})
	_, f, err := b.Create(bg, fop.RootGfid, "f", syscall.O_RDWR, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	s.stop()
	waitDown(t, b)
	start := time.Now()
	_, err = b.Getattr(bg, fop.RootGfid)
	wantErrno(t, err, syscall.ENOTCONN)
	_, err = f.Write(bg, []byte("x"), 0)
	wantErrno(t, err, syscall.ENOTCONN)
	if took := time.Since(start); took < timeout || took > 2*timeout+2*time.Second {
		t.Fatalf("two ENOTCONN after %v, want each after about %v", took, timeout)
	}
	// Release of a file whose session died needs no server.
	if err := f.Release(bg); err != nil {
		t.Fatalf("release: %v", err)
	}
}

// waitDown waits, at most 10 s, until b has no session.
func waitDown(t *testing.T, b *Brick) {
	t.Helper()
	waitState(t, b, "no session", func(s *session) bool { return s == nil })
}

// TestEventsToSecondClient: changes made by one client reach another, but
// neither the client that made them nor one opened with NoChangeEvents.
func TestEventsToSecondClient(t *testing.T) {
	s := startBrickServer(t)
	a := newTestBrick(t, s.addr, Options{})
	b := newTestBrick(t, s.addr, Options{})
	q := newTestBrick(t, s.addr, Options{NoChangeEvents: true})
	events := make(chan fop.Event, 100)
	b.Watch(func(ev fop.Event) { events <- ev })
	mine := make(chan fop.Event, 100)
	a.Watch(func(ev fop.Event) { mine <- ev })
	quiet := make(chan fop.Event, 100)
	q.Watch(func(ev fop.Event) { quiet <- ev })

	e, f, err := a.Create(bg, fop.RootGfid, "new", syscall.O_RDWR, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release(bg)
	waitEvent(t, events, func(ev fop.Event) bool {
		return ev.Kind == fop.EventEntry && ev.Parent == fop.RootGfid && ev.Name == "new"
	})
	if _, err := f.Write(bg, []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, func(ev fop.Event) bool { return ev.Kind == fop.EventInode && ev.Gfid == e.Gfid })
	select {
	case ev := <-mine:
		t.Fatalf("the writer got its own event %+v", ev)
	default:
	}
	// The brick queues an event for every session at once; give the quiet
	// client's stream time to deliver one it should not have had.
	select {
	case ev := <-quiet:
		t.Fatalf("the NoChangeEvents client got %+v", ev)
	case <-time.After(200 * time.Millisecond):
	}
}

func waitEvent(t *testing.T, events chan fop.Event, match func(fop.Event) bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case ev := <-events:
			if match(ev) {
				return
			}
		case <-deadline.C:
			t.Fatal("expected event not delivered within 10s")
		}
	}
}

// TestLocksLostWithDyingSession: a client's connection dies while it holds
// a lock; the server releases the lock, another client takes it, and the
// first client's file keeps working without it.
func TestLocksLostWithDyingSession(t *testing.T) {
	s := startBrickServer(t)
	p := newProxy(t, s.addr)
	a := newTestBrick(t, p.addr(), Options{})
	b := newTestBrick(t, s.addr, Options{})
	fa, fb := openTwice(t, a, b, "locked")
	whole := fop.Lock{Type: fop.LockWrite, Start: 0, End: fop.LockToEOF, Pid: 1, Owner: 1}
	if err := fa.Setlk(bg, whole, false); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, fb.Setlk(bg, whole, false), syscall.EAGAIN)

	p.breakAll()
	waitGen(t, a, 2)
	// The server ends the old session when it notices the broken
	// connection; b's blocking request is granted then.
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	if err := fb.Setlk(ctx, whole, true); err != nil {
		t.Fatalf("lock not released with the dead session: %v", err)
	}
	got, err := fa.Getlk(bg, whole)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != fop.LockWrite {
		t.Fatalf("a's getlk after reconnect: %+v, want b's write lock", got)
	}
	if _, err := fa.Write(bg, []byte("still open"), 0); err != nil {
		t.Fatalf("write through the reopened file: %v", err)
	}
}

// TestFrozenBrick: the brick stops answering without closing anything; an
// operation fails with ENOTCONN within the ping bounds instead of hanging,
// and the client recovers when the brick answers again.
func TestFrozenBrick(t *testing.T) {
	s := startBrickServer(t)
	p := newProxy(t, s.addr)
	b := newTestBrick(t, p.addr(), Options{
		PingInterval: 100 * time.Millisecond, PingTimeout: 300 * time.Millisecond, ConnectTimeout: 500 * time.Millisecond,
	})
	p.freeze()
	start := time.Now()
	_, err := b.Getattr(bg, fop.RootGfid)
	took := time.Since(start)
	wantErrno(t, err, syscall.ENOTCONN)
	if took > 3*time.Second {
		t.Fatalf("ENOTCONN after %v; a frozen brick must be noticed within about a second here", took)
	}
	p.thaw()
	waitGen(t, b, 2)
	if _, err := b.Getattr(bg, fop.RootGfid); err != nil {
		t.Fatalf("getattr after the brick came back: %v", err)
	}
}

// TestContextCancelIsEINTR: a blocking lock wait ends with EINTR when the
// caller's context is cancelled.
func TestContextCancelIsEINTR(t *testing.T) {
	s := startBrickServer(t)
	a := newTestBrick(t, s.addr, Options{})
	b := newTestBrick(t, s.addr, Options{})
	fa, fb := openTwice(t, a, b, "f")
	lk := fop.Lock{Type: fop.LockWrite, End: fop.LockToEOF, Pid: 1, Owner: 1, Flock: true}
	if err := fa.Setlk(bg, lk, false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	res := make(chan error, 1)
	go func() { res <- fb.Setlk(ctx, lk, true) }()
	cancel()
	err := <-res
	var errno syscall.Errno
	if !errors.As(err, &errno) || errno != syscall.EINTR {
		t.Fatalf("cancelled lock wait: %v, want EINTR", err)
	}
}

// openTwice creates name in the root through a and opens it through b;
// both files are released when the test ends.
func openTwice(t *testing.T, a, b *Brick, name string) (fa, fb fop.File) {
	t.Helper()
	e, fa, err := a.Create(bg, fop.RootGfid, name, syscall.O_RDWR, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fa.Release(bg) })
	fb, err = b.Open(bg, e.Gfid, syscall.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fb.Release(bg) })
	return fa, fb
}

// checkBigIO creates dir/f and writes and reads it in more than one RPC
// each; the read is short at end of file.
func checkBigIO(t *testing.T, b *Brick, dir fop.Gfid) fop.Entry {
	t.Helper()
	data := bytes.Repeat([]byte("0123456789abcdef"), (5<<20)/2/16) // 2.5 MiB
	e, f, err := b.Create(bg, dir, "f", syscall.O_RDWR, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.Write(bg, data, 0); err != nil || n != len(data) {
		t.Fatalf("write %d, %v", n, err)
	}
	buf := make([]byte, 3<<20)
	n, err := f.Read(bg, buf, 0)
	if err != nil || n != len(data) || !bytes.Equal(buf[:n], data) {
		t.Fatalf("read %d bytes, %v (want %d, same content)", n, err, len(data))
	}
	if err := f.Fsync(bg, false); err != nil {
		t.Fatal(err)
	}
	if err := f.Flush(bg, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Release(bg); err != nil {
		t.Fatal(err)
	}
	e.Size = uint64(len(data))
	return e
}

// checkXattrs sets, reads, lists and removes a user xattr of g.
func checkXattrs(t *testing.T, b *Brick, g fop.Gfid) {
	t.Helper()
	if err := b.Setxattr(bg, g, "user.k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if v, err := b.Getxattr(bg, g, "user.k"); err != nil || string(v) != "v" {
		t.Fatalf("getxattr %q, %v", v, err)
	}
	if names, err := b.Listxattr(bg, g); err != nil || len(names) != 1 || names[0] != "user.k" {
		t.Fatalf("listxattr %q, %v", names, err)
	}
	if err := b.Removexattr(bg, g, "user.k"); err != nil {
		t.Fatal(err)
	}
	_, err := b.Getxattr(bg, g, "user.k")
	wantErrno(t, err, syscall.ENODATA)

}

// TestCancelDoesNotFailOperations: an operation that does not wait is
// carried out even when the caller's context is already cancelled — the
// kernel interrupts FUSE requests for any signal, and a create or unlink
// the brick performed must not be reported as EINTR.
func TestCancelDoesNotFailOperations(t *testing.T) {
	s := startBrickServer(t)
	b := newTestBrick(t, s.addr, Options{})
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, err := b.Mkdir(ctx, fop.RootGfid, "d", newInode(0o755)); err != nil {
		t.Fatalf("mkdir with a cancelled context: %v", err)
	}
	if _, err := b.Lookup(bg, fop.RootGfid, "d"); err != nil {
		t.Fatalf("the directory is not there: %v", err)
	}
	if err := b.Rmdir(ctx, fop.RootGfid, "d"); err != nil {
		t.Fatalf("rmdir with a cancelled context: %v", err)
	}
}
