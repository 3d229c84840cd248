package client

import (
	"context"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// startHeartbeat pings the brick every PingInterval while s lives, and
// gives s up when a ping is not answered in time. The returned function
// stops the pings and waits for them to end.
func (b *Brick) startHeartbeat(s *session) (stop func()) {
	if b.opts.PingInterval < 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(s.ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(b.opts.PingInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if why := b.ping(ctx, s); why != "" {
				b.sessionLost(s, why)
				return
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// ping sends one cheap request on s. It returns why s should be given up,
// or "" when the brick answered (whatever the errno) or s ended anyway.
func (b *Brick) ping(ctx context.Context, s *session) string {
	pctx, cancel := context.WithTimeout(ctx, b.opts.PingTimeout)
	defer cancel()
	_, err := b.rpc.Statfs(pctx, &brickpb.InodeRequest{Session: s.id, Gfid: fop.RootGfid[:]})
	switch {
	case err == nil || ctx.Err() != nil:
		return ""
	case status.Code(err) == codes.FailedPrecondition:
		return "the server no longer knows the session"
	case pctx.Err() != nil:
		return "no answer to a ping within " + b.opts.PingTimeout.String()
	default:
		return "ping failed: " + err.Error()
	}
}
