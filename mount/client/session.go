package client

import (
	"context"
	"fmt"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// session is one Session stream: its id on the server, its generation on
// this client, and a context that ends with it.
type session struct {
	id     uint64
	gen    uint64
	ctx    context.Context
	cancel context.CancelFunc
	// postOp: the server applies InodelkRequest.post_op; releaseUnlock:
	// Release honours FdRequest.unlock_domain (brickpb's features).
	// createEntryLock: CreateRequest.entry_lock_domain is honoured.
	// carried: the server carries out carried requests (carried.go).
	postOp, releaseUnlock, createEntryLock, carried bool
}

// errClosed is returned by operations on a closed Brick.
var errClosed = fmt.Errorf("brick client closed: %w", syscall.ENOTCONN)

// run keeps a session open until Close, reconnecting with backoff.
func (b *Brick) run() {
	defer close(b.done)
	wait := backoffMin
	lastFailure := ""
	for {
		established, err := b.runSession()
		if b.ctx.Err() != nil {
			return
		}
		switch {
		case established:
			wait, lastFailure = backoffMin, ""
			b.log.Warn("brick session ended; reconnecting", "err", err)
		case err.Error() != lastFailure: // say it once, not at every retry
			lastFailure = err.Error()
			b.log.Warn("cannot open a brick session; retrying", "err", err)
		default:
			b.log.Debug("brick session attempt failed", "err", err, "retry_in", wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-b.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, backoffMax)
	}
}

// runSession opens one Session stream and serves it until it ends. It
// reports whether the session came up.
func (b *Brick) runSession() (bool, error) {
	sctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	stream, err := b.rpc.Session(sctx, &brickpb.SessionRequest{Brick: b.ref.Name, Client: clientIdentity(), NoChangeEvents: b.opts.NoChangeEvents})
	if err != nil {
		return false, fmt.Errorf("open session: %w", err)
	}
	// The first event must come within ConnectTimeout.
	timer := time.AfterFunc(b.opts.ConnectTimeout, cancel)
	first, err := stream.Recv()
	if !timer.Stop() {
		return false, fmt.Errorf("no session event within %v", b.opts.ConnectTimeout)
	}
	if err != nil {
		return false, fmt.Errorf("first session event: %w", err)
	}
	if first.GetKind() != brickpb.EventKind_EVENT_SESSION {
		return false, fmt.Errorf("first session event is %v, want EVENT_SESSION", first.GetKind())
	}
	s := b.up(first, sctx, cancel)
	defer b.down(s)
	stopPings := b.startHeartbeat(s)
	defer stopPings()
	for {
		ev, err := stream.Recv()
		if err != nil {
			return true, err
		}
		b.deliver(ev)
	}
}

func clientIdentity() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// up installs a new session and wakes the operations waiting for one.
func (b *Brick) up(first *brickpb.Event, ctx context.Context, cancel context.CancelFunc) *session {
	id, vol := first.GetBrickId(), first.GetVolumeId()
	if old := b.ID(); old != "" && old != id {
		b.log.Error("brick id changed across sessions: a different brick answers at this address", "was", old, "now", id)
	}
	b.brickID.Store(&id)
	b.volumeID.Store(&vol)
	b.mu.Lock()
	b.gen++
	s := &session{id: first.GetSession(), gen: b.gen, ctx: ctx, cancel: cancel,
		postOp:          slices.Contains(first.GetFeatures(), brickpb.FeatureInodelkPostOp),
		releaseUnlock:   slices.Contains(first.GetFeatures(), brickpb.FeatureReleaseUnlock),
		createEntryLock: slices.Contains(first.GetFeatures(), brickpb.FeatureCreateEntryLock),
		carried:         slices.Contains(first.GetFeatures(), brickpb.FeatureCarried)}
	b.cur = s
	b.notifyLocked()
	b.mu.Unlock()
	b.log.Info("brick session up", "session", s.id, "generation", s.gen, "brick_id", id)
	if s.gen > 1 {
		// Notifications sent while we were away are lost.
		b.emit(fop.Event{Kind: fop.EventOverflow})
	}
	return s
}

// down retires s: operations in flight on it fail with ENOTCONN, new ones
// wait for the next session.
func (b *Brick) down(s *session) {
	s.cancel()
	b.mu.Lock()
	if b.cur == s {
		b.cur = nil
		b.notifyLocked()
	}
	b.mu.Unlock()
}

// sessionLost is down for a session the server or the heartbeat gave up;
// cancelling its context also ends its stream, so run reconnects.
func (b *Brick) sessionLost(s *session, why string) {
	if s.ctx.Err() == nil {
		b.log.Warn("brick session lost", "session", s.id, "why", why)
	}
	b.down(s)
}

func (b *Brick) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// current is the live session, or nil.
func (b *Brick) current() *session {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cur
}

// waitSession returns the live session, waiting for one for at most
// timeout (0: no limit; negative: not at all) and never past ctx.
func (b *Brick) waitSession(ctx context.Context, timeout time.Duration) (*session, error) {
	var expired <-chan time.Time
	for {
		b.mu.Lock()
		s, changed := b.cur, b.changed
		b.mu.Unlock()
		if s != nil {
			return s, nil
		}
		if timeout < 0 {
			return nil, fmt.Errorf("not connected: %w", syscall.ENOTCONN)
		}
		if expired == nil && timeout > 0 {
			t := time.NewTimer(timeout)
			defer t.Stop()
			expired = t.C
		}
		select {
		case <-changed:
		case <-expired:
			return nil, fmt.Errorf("not connected after %v: %w", timeout, syscall.ENOTCONN)
		case <-b.ctx.Done():
			return nil, errClosed
		case <-ctx.Done():
			return nil, ctxErr(ctx)
		}
	}
}

// deliver forwards one change notification to the sink.
func (b *Brick) deliver(ev *brickpb.Event) {
	switch ev.GetKind() {
	case brickpb.EventKind_EVENT_ENTRY:
		parent, err := fop.GfidFromBytes(ev.GetParent())
		if err != nil {
			b.log.Warn("bad entry event", "err", err)
			return
		}
		b.emit(fop.Event{Kind: fop.EventEntry, Parent: parent, Name: string(ev.GetName())})
	case brickpb.EventKind_EVENT_INODE:
		g, err := fop.GfidFromBytes(ev.GetGfid())
		if err != nil {
			b.log.Warn("bad inode event", "err", err)
			return
		}
		b.emit(fop.Event{Kind: fop.EventInode, Gfid: g})
	case brickpb.EventKind_EVENT_OVERFLOW:
		b.emit(fop.Event{Kind: fop.EventOverflow})
	case brickpb.EventKind_EVENT_LOCK_CONTENTION:
		g, err := fop.GfidFromBytes(ev.GetGfid())
		if err != nil {
			b.log.Warn("bad lock contention event", "err", err)
			return
		}
		b.emit(fop.Event{Kind: fop.EventLockContention, Gfid: g, Domain: ev.GetDomain()})
	default:
		b.log.Debug("ignoring event", "kind", ev.GetKind())
	}
}
