package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
	"github.com/mortarfs/mortar/volume"
)

// fakeBrick is a brick server that knows sessions and little else: enough
// to drive the session machinery deterministically.
type fakeBrick struct {
	brickpb.UnimplementedBrickServer

	mu       sync.Mutex
	next     uint64
	live     map[uint64]bool
	opened   int
	getattrs int
	// lockLog records Xattrop, Inodelk and Release calls, as "xattrop",
	// "inodelk post_op=N" and "release unlock=D" (this fake is a server
	// without features).
	lockLog []string
	// entryBusy: Entrylk answers EAGAIN (another holds the lock).
	entryBusy bool
}

func (f *fakeBrick) Session(req *brickpb.SessionRequest, stream grpc.ServerStreamingServer[brickpb.Event]) error {
	f.mu.Lock()
	f.next++
	id := f.next
	f.live[id] = true
	f.opened++
	f.mu.Unlock()
	if err := stream.Send(&brickpb.Event{Kind: brickpb.EventKind_EVENT_SESSION, Session: id, BrickId: "brick-uuid", VolumeId: "vol-uuid"}); err != nil {
		return err
	}
	<-stream.Context().Done()
	f.mu.Lock()
	delete(f.live, id)
	f.mu.Unlock()
	return nil
}

func (f *fakeBrick) known(id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.live[id] {
		return status.Errorf(codes.FailedPrecondition, "unknown session %d", id)
	}
	return nil
}

func (f *fakeBrick) Getattr(_ context.Context, req *brickpb.InodeRequest) (*brickpb.AttrReply, error) {
	f.mu.Lock()
	f.getattrs++
	f.mu.Unlock()
	if err := f.known(req.GetSession()); err != nil {
		return nil, err
	}
	return &brickpb.AttrReply{Attr: &brickpb.Attr{Gfid: req.GetGfid(), Mode: syscall.S_IFREG | 0o644}}, nil
}

func (f *fakeBrick) Statfs(_ context.Context, req *brickpb.InodeRequest) (*brickpb.StatfsReply, error) {
	if err := f.known(req.GetSession()); err != nil {
		return nil, err
	}
	return &brickpb.StatfsReply{Bsize: 4096}, nil
}

func (f *fakeBrick) Xattrop(_ context.Context, req *brickpb.XattropRequest) (*brickpb.XattropReply, error) {
	if err := f.known(req.GetSession()); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lockLog = append(f.lockLog, "xattrop")
	return &brickpb.XattropReply{}, nil
}

func (f *fakeBrick) Inodelk(_ context.Context, req *brickpb.InodelkRequest) (*brickpb.Reply, error) {
	if err := f.known(req.GetSession()); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lockLog = append(f.lockLog, fmt.Sprintf("inodelk post_op=%d", len(req.GetPostOp())))
	return &brickpb.Reply{}, nil
}

func (f *fakeBrick) Entrylk(_ context.Context, req *brickpb.EntrylkRequest) (*brickpb.Reply, error) {
	if err := f.known(req.GetSession()); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lockLog = append(f.lockLog, fmt.Sprintf("entrylk %s owner=%d", req.GetName(), req.GetOwner()))
	if f.entryBusy {
		return &brickpb.Reply{Errno: int32(syscall.EAGAIN)}, nil
	}
	return &brickpb.Reply{}, nil
}

func (f *fakeBrick) Create(_ context.Context, req *brickpb.CreateRequest) (*brickpb.CreateReply, error) {
	if err := f.known(req.GetSession()); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lockLog = append(f.lockLog, fmt.Sprintf("create %s entry_lock=%q", req.GetName(), req.GetEntryLockDomain()))
	return &brickpb.CreateReply{Attr: &brickpb.Attr{Gfid: req.GetGfid(), Mode: syscall.S_IFREG | 0o644}, Fd: 1}, nil
}

func (f *fakeBrick) Open(_ context.Context, req *brickpb.OpenRequest) (*brickpb.OpenReply, error) {
	if err := f.known(req.GetSession()); err != nil {
		return nil, err
	}
	return &brickpb.OpenReply{Fd: 1, Attr: &brickpb.Attr{Gfid: req.GetGfid(), Mode: syscall.S_IFREG | 0o644}}, nil
}

func (f *fakeBrick) Release(_ context.Context, req *brickpb.FdRequest) (*brickpb.Reply, error) {
	if err := f.known(req.GetSession()); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lockLog = append(f.lockLog, fmt.Sprintf("release unlock=%q", req.GetUnlockDomain()))
	return &brickpb.Reply{}, nil
}

// forget drops every session without ending its stream, as a server that
// lost its state would.
func (f *fakeBrick) forget() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.live)
}

func (f *fakeBrick) counts() (opened, getattrs int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opened, f.getattrs
}

func startFake(t *testing.T) (*fakeBrick, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeBrick{live: map[uint64]bool{}}
	g := grpc.NewServer()
	brickpb.RegisterBrickServer(g, f)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = g.Serve(lis)
	}()
	t.Cleanup(func() {
		g.Stop()
		<-done
	})
	return f, lis.Addr().String()
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestBrick(t *testing.T, addr string, opts Options) *Brick {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	b, err := New(volume.BrickRef{Addr: addr, Name: "b1"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return b
}

// waitGen waits, at most 10 s, until a session of generation gen or later is up.
func waitGen(t *testing.T, b *Brick, gen uint64) {
	t.Helper()
	waitState(t, b, fmt.Sprintf("a session of generation %d", gen), func(s *session) bool { return s != nil && s.gen >= gen })
}

// waitState waits, at most 10 s, until ok holds for b's current session
// (nil while none is up).
func waitState(t *testing.T, b *Brick, what string, ok func(*session) bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		cur, changed := b.cur, b.changed
		b.mu.Unlock()
		if ok(cur) {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("still not %s after 10s", what)
		}
	}
}

func TestSessionLearnsIDs(t *testing.T) {
	_, addr := startFake(t)
	b := newTestBrick(t, addr, Options{})
	if b.ID() != "brick-uuid" || b.VolumeID() != "vol-uuid" || b.Name() != addr+"/b1" {
		t.Fatalf("id %q volume %q name %q", b.ID(), b.VolumeID(), b.Name())
	}
}

// TestUnknownSessionRetriedOnce: the server forgot the session; the call
// is answered FailedPrecondition, the client opens a new session and
// retries the call there.
func TestUnknownSessionRetriedOnce(t *testing.T) {
	f, addr := startFake(t)
	b := newTestBrick(t, addr, Options{PingInterval: -1})
	events := make(chan fop.Event, 10)
	b.Watch(func(ev fop.Event) { events <- ev })
	f.forget()
	e, err := b.Getattr(context.Background(), fop.RootGfid)
	if err != nil {
		t.Fatalf("getattr after the server forgot the session: %v", err)
	}
	if e.Gfid != fop.RootGfid {
		t.Fatalf("gfid %s", e.Gfid)
	}
	opened, getattrs := f.counts()
	if opened != 2 || getattrs != 2 {
		t.Fatalf("%d sessions and %d getattr calls, want 2 and 2", opened, getattrs)
	}
	select {
	case ev := <-events:
		if ev.Kind != fop.EventOverflow {
			t.Fatalf("event %+v, want overflow after a new session", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no overflow event after the new session")
	}
}

// TestHeartbeatNoticesLostSession: with no operation at all, the pings
// notice that the server forgot the session and a new one is opened.
func TestHeartbeatNoticesLostSession(t *testing.T) {
	f, addr := startFake(t)
	b := newTestBrick(t, addr, Options{PingInterval: 20 * time.Millisecond, PingTimeout: time.Second})
	f.forget()
	waitGen(t, b, 2)
}

func TestNoServerIsENOTCONN(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nobody listens there now
	b, err := New(volume.BrickRef{Addr: addr, Name: "b1"}, Options{ConnectTimeout: 300 * time.Millisecond, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := time.Now()
	_, err = b.Getattr(context.Background(), fop.RootGfid)
	took := time.Since(start)
	wantErrno(t, err, syscall.ENOTCONN)
	if took < 250*time.Millisecond || took > 3*time.Second {
		t.Fatalf("ENOTCONN after %v, want about the connect timeout (300ms)", took)
	}
	// A cancelled context ends the wait with EINTR.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = b.Getattr(ctx, fop.RootGfid)
	wantErrno(t, err, syscall.EINTR)
	// After Close, at once ENOTCONN.
	b.Close()
	_, err = b.Getattr(context.Background(), fop.RootGfid)
	wantErrno(t, err, syscall.ENOTCONN)
}

func wantErrno(t *testing.T, err error, want syscall.Errno) {
	t.Helper()
	var got syscall.Errno
	if !errors.As(err, &got) || got != want {
		t.Fatalf("error %v, want %v", err, want)
	}
}
