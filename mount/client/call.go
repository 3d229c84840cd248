package client

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/mount/fop"
)

// rpcFunc makes one RPC on session s and returns the reply's errno and the
// RPC's error.
type rpcFunc func(ctx context.Context, s *session) (int32, error)

// call runs rpc on a live session: it waits for one (at most
// ConnectTimeout), retries once on a session the server lost, and converts
// every failure to an error that wraps a syscall.Errno. op and subj name
// the operation in the error.
func (b *Brick) call(ctx context.Context, op string, subj any, rpc rpcFunc) error {
	for retry := true; ; retry = false {
		s, err := b.waitSession(ctx, b.opts.ConnectTimeout)
		if err != nil {
			return b.opErr(op, subj, err)
		}
		errno, err := b.once(ctx, s, rpc)
		if err != nil && retry && status.Code(err) == codes.FailedPrecondition {
			b.sessionLost(s, "the server no longer knows the session")
			continue
		}
		if err != nil {
			return b.opErr(op, subj, convert(ctx, s, err))
		}
		return b.opErr(op, subj, replyErr(errno))
	}
}

// once makes rpc on s, with a context that also ends when s ends.
func (b *Brick) once(ctx context.Context, s *session, rpc rpcFunc) (int32, error) {
	cctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	defer func() {
		stop()
		cancel()
	}()
	return rpc(cctx, s)
}

// opErr adds the brick, operation and subject to err (nil stays nil).
func (b *Brick) opErr(op string, subj any, err error) error {
	if err == nil {
		return nil
	}
	if subj == nil {
		return fmt.Errorf("brick %s: %s: %w", b.ref, op, err)
	}
	return fmt.Errorf("brick %s: %s %v: %w", b.ref, op, subj, err)
}

// entryName is the subject of an entry operation in errors.
type entryName struct {
	parent fop.Gfid
	name   string
}

func (e entryName) String() string { return e.parent.String() + "/" + e.name }
