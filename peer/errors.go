package peer

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/volume"
)

// toStatus turns an error of the daemon into the gRPC status the client
// sees (the one translation table of the management boundary). Statuses
// from other peers (forwarded calls) pass unchanged.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if s, ok := status.FromError(err); ok {
		return s.Err()
	}
	code := codes.Internal
	switch {
	case errors.Is(err, volume.ErrRefused):
		code = codes.InvalidArgument
	case errors.Is(err, ErrNotFound):
		code = codes.NotFound
	case errors.Is(err, ErrNotStarted):
		code = codes.FailedPrecondition
	case errors.Is(err, errPermission):
		code = codes.PermissionDenied
	case errors.Is(err, ErrNoQuorum):
		code = codes.Unavailable
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	}
	return status.Error(code, err.Error())
}
