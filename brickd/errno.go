package brickd

import (
	"context"
	"errors"
	"log/slog"
	"syscall"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
)

// errno converts the error of an operation to the errno of its reply. It
// is the one place where that happens: a syscall.Errno is passed on, a
// malformed gfid is EINVAL, a cancelled call EINTR, anything else EIO
// (and logged, since it is a bug or an unexpected failure).
func errno(log *slog.Logger, op string, err error) int32 {
	if err == nil {
		return 0
	}
	var e syscall.Errno
	switch {
	case errors.As(err, &e):
		return int32(e)
	case errors.Is(err, gfid.ErrMalformed):
		return int32(syscall.EINVAL)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return int32(syscall.EINTR)
	}
	log.Error("unexpected error", "op", op, "err", err)
	return int32(syscall.EIO)
}
