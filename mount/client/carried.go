package client

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// Carried requests (proto/brickpb/carried.go): an entry unlock at the end
// of a transaction, or the release of a file, is a request nobody waits
// for. Instead of a call of its own, it waits in the Brick's queue and
// rides on the next call to the brick, which the server carries out after
// it; if no call comes within Options.CarryDelay, the queue is sent on its
// own. A small-file create then costs each brick two calls (the create,
// carrying the previous file's release, and the write, carrying the
// create's entry unlock), not four.
//
// A request is only ever carried on its own session: if the session ends
// first, its locks and fds ended with it, and only what outlives them (a
// post-op) is redone on the next session (carriedReq.lost). A call that
// fails may or may not have delivered what it carried: the requests go
// again once, on the next call, without their post-op, which must not be
// applied twice (an unlock or release done twice is refused harmlessly;
// fd numbers and lock owners are never reused). A post-op so lost leaves
// the brick marked, which heal clears: the safe side.

// carriedReq is one carried request.
type carriedReq struct {
	session uint64 // the session the request belongs to
	kind    brickpb.CarriedKind
	req     proto.Message // *brickpb.EntrylkRequest or *brickpb.FdRequest
	value   string        // req encoded (brickpb.EncodeCarried)
	// lost redoes what must outlive the session when it ended before the
	// request went; nil when nothing must.
	lost  func(ctx context.Context)
	again bool // already sent once, on a call that failed
}

// carrier is a Brick's queue of carried requests, and the timer that
// sends it when no call comes.
type carrier struct {
	delay time.Duration
	// queued is len(queue), for calls to skip the lock when it is 0.
	queued atomic.Int32
	mu     sync.Mutex
	queue  []*carriedReq
	armed  bool           // a flush is due (timer set or flush running)
	timer  *time.Timer    // the due flush
	wg     sync.WaitGroup // the due flush, for Close
	shut   bool           // Close has begun: nothing more is queued
}

// carry queues req, of kind k on session s, to ride on the next call; it
// returns false when it cannot (carrying off or unknown to the server,
// Close begun): the caller then sends it now.
func (b *Brick) carry(s *session, k brickpb.CarriedKind, req proto.Message, lost func(ctx context.Context)) bool {
	c := &b.carried
	if c.delay < 0 || !s.carried {
		return false
	}
	v, err := brickpb.EncodeCarried(k, req)
	if err != nil {
		b.log.Debug("cannot carry a request; sending it now", "err", err)
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shut {
		return false
	}
	c.queue = append(c.queue, &carriedReq{session: s.id, kind: k, req: req, value: v, lost: lost})
	c.queued.Store(int32(len(c.queue)))
	if !c.armed {
		c.armed = true
		c.wg.Add(1)
		c.timer = time.AfterFunc(c.delay, b.flushCarried)
	}
	return true
}

// take removes and returns up to brickpb.MaxCarried requests of
// session id.
func (c *carrier) take(id uint64) []*carriedReq {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*carriedReq
	kept := c.queue[:0]
	for _, r := range c.queue {
		if r.session == id && len(out) < brickpb.MaxCarried {
			out = append(out, r)
		} else {
			kept = append(kept, r)
		}
	}
	clear(c.queue[len(kept):])
	c.queue = kept
	c.queued.Store(int32(len(kept)))
	return out
}

// putBack returns requests to the front of the queue.
func (c *carrier) putBack(rs []*carriedReq) {
	if len(rs) == 0 {
		return
	}
	c.mu.Lock()
	c.queue = append(rs, c.queue...)
	c.queued.Store(int32(len(c.queue)))
	c.mu.Unlock()
}

// drain removes and returns the whole queue.
func (c *carrier) drain() []*carriedReq {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = nil
	c.queued.Store(0)
	return q
}

// carryUnary is the unary client interceptor that adds the queue's
// requests of the current session to a call. A call that only waits (a
// blocking lock, abandoned when its caller is interrupted) carries none.
func (b *Brick) carryUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if b.carried.queued.Load() == 0 || isInterruptible(ctx) {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	var rs []*carriedReq
	if s := b.current(); s != nil {
		rs = b.carried.take(s.id)
	}
	if len(rs) == 0 {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	kv := make([]string, 0, 2*len(rs))
	for _, r := range rs {
		kv = append(kv, brickpb.CarriedKey, r.value)
	}
	err := invoker(metadata.AppendToOutgoingContext(ctx, kv...), method, req, reply, cc, opts...)
	if err != nil {
		b.carried.putBack(b.again(rs))
	}
	return err
}

// again returns the requests of a failed call to go once more, without
// their post-ops (which may have been applied).
func (b *Brick) again(rs []*carriedReq) []*carriedReq {
	var out []*carriedReq
	for _, r := range rs {
		if r.again {
			b.log.Debug("carried request dropped after two failed calls", "kind", r.kind)
			continue
		}
		if fr, ok := r.req.(*brickpb.FdRequest); ok && len(fr.GetPostOp()) > 0 {
			fr = proto.CloneOf(fr)
			fr.PostOp = nil
			v, err := brickpb.EncodeCarried(r.kind, fr)
			if err != nil {
				continue
			}
			r = &carriedReq{session: r.session, kind: r.kind, req: fr, value: v}
		}
		r.again = true
		out = append(out, r)
	}
	return out
}

// flushCarried is the due flush: it sends what no call carried.
func (b *Brick) flushCarried() {
	defer b.carried.wg.Done()
	c := &b.carried
	c.mu.Lock()
	c.armed = false
	c.mu.Unlock()
	b.SendCarried(b.ctx)
}

// SendCarried sends the queue now: the first request of the current
// session on a call of its own, carrying the others; the requests of an
// ended session are lost, and redone as they say. The due flush and
// Close send it; so do tests that must see the brick as this client
// left it.
func (b *Brick) SendCarried(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	for {
		rs := b.carried.drain()
		if len(rs) == 0 {
			return
		}
		s := b.current()
		var live []*carriedReq
		for _, r := range rs {
			switch {
			case s != nil && r.session == s.id:
				live = append(live, r)
			case r.lost != nil:
				r.lost(ctx)
			}
		}
		if len(live) == 0 {
			continue
		}
		b.carried.putBack(live[1:])
		errno, err := b.once(ctx, s, func(ctx context.Context, _ *session) (int32, error) {
			return b.sendOne(ctx, live[0])
		})
		if err != nil || errno != 0 {
			b.log.Debug("carried request sent alone failed", "kind", live[0].kind, "errno", errno, "err", err)
		}
	}
}

// sendOne sends r as its own call.
func (b *Brick) sendOne(ctx context.Context, r *carriedReq) (int32, error) {
	var (
		rep *brickpb.Reply
		err error
	)
	switch r.kind {
	case brickpb.CarriedEntryUnlock:
		rep, err = b.rpc.Entrylk(ctx, r.req.(*brickpb.EntrylkRequest))
	case brickpb.CarriedRelease:
		rep, err = b.rpc.Release(ctx, r.req.(*brickpb.FdRequest))
	default:
		rep, err = b.rpc.Releasedir(ctx, r.req.(*brickpb.FdRequest))
	}
	return rep.GetErrno(), err
}

// closeCarried stops queueing, waits for a due flush and sends what is
// left: at Close, before the session ends.
func (b *Brick) closeCarried() {
	c := &b.carried
	c.mu.Lock()
	c.shut = true
	if c.armed && c.timer.Stop() {
		c.armed = false
		c.wg.Done()
	}
	c.mu.Unlock()
	c.wg.Wait()
	b.SendCarried(b.ctx)
}
