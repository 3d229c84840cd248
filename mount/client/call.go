package client

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

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
		s, err := b.waitSession(ctx, b.sessionWait())
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

// sessionWait is how long an operation waits for a session: ConnectTimeout,
// or no time at all with FailFast once a session has been up.
func (b *Brick) sessionWait() time.Duration {
	if b.opts.FailFast {
		b.mu.Lock()
		seen := b.gen > 0
		b.mu.Unlock()
		if seen {
			return -1
		}
	}
	return b.opts.ConnectTimeout
}

// once makes rpc on s, with a context that also ends when s ends. Only a
// waiting call (see interruptible) ends when ctx is cancelled: the kernel
// interrupts FUSE requests for any signal the caller receives, even Go's
// preemption signal, and an operation the brick may already have carried
// out must not then be reported as failed with EINTR. A frozen brick still
// ends the call: the heartbeat ends its session.
func (b *Brick) once(ctx context.Context, s *session, rpc rpcFunc) (int32, error) {
	if !isInterruptible(ctx) {
		ctx = context.WithoutCancel(ctx)
	}
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

func (e entryName) String() string { return e.parent.String() + "/" + printable(e.name) }

// printable is a name (any bytes) as errors and logs show it: as it is
// when it is UTF-8, quoted with escapes when it is not.
func printable(name string) string {
	if utf8.ValidString(name) {
		return name
	}
	return strconv.Quote(name)
}

type interruptibleKey struct{}

// interruptible marks ctx as belonging to a call that only waits (a
// blocking lock): cancelling ctx abandons it with EINTR, as a signal
// interrupts fcntl(F_SETLKW).
func interruptible(ctx context.Context) context.Context {
	return context.WithValue(ctx, interruptibleKey{}, true)
}

func isInterruptible(ctx context.Context) bool {
	v, _ := ctx.Value(interruptibleKey{}).(bool)
	return v
}
