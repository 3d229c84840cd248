package client

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// This file is the one place where brick replies and gRPC failures become
// errno values (DESIGN.md, Errors).

// replyErr is the error of a reply's errno field (0: none).
func replyErr(errno int32) error {
	if errno == 0 {
		return nil
	}
	if errno < 0 {
		errno = -errno
	}
	return syscall.Errno(errno)
}

// convert turns the failure of one RPC made on session s for the caller's
// ctx into an error that wraps a syscall.Errno.
func convert(ctx context.Context, s *session, err error) error {
	var errno syscall.Errno
	switch {
	case err == nil:
		return nil
	case errors.As(err, &errno):
		return err // already converted (a reply errno)
	case ctx.Err() != nil:
		return ctxErr(ctx)
	case s != nil && s.ctx.Err() != nil:
		return fmt.Errorf("session ended during the call: %w", syscall.ENOTCONN)
	}
	return fmt.Errorf("%v: %w", err, statusErrno(status.Code(err)))
}

// statusErrno maps a gRPC status code to an errno.
func statusErrno(c codes.Code) syscall.Errno {
	switch c {
	case codes.Unavailable:
		return syscall.ENOTCONN
	case codes.DeadlineExceeded:
		return syscall.ETIMEDOUT
	case codes.Canceled:
		return syscall.EINTR
	default:
		return syscall.EIO
	}
}

// ctxErr is the error of a call whose context ended: EINTR when it was
// cancelled (the kernel interrupted the request), ETIMEDOUT for a deadline.
func ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ctx.Err(), syscall.ETIMEDOUT)
	}
	return fmt.Errorf("%w: %w", ctx.Err(), syscall.EINTR)
}
