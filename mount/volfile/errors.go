package volfile

import (
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Errors of Fetch, to test with errors.Is.
var (
	// ErrNotFound: the volume does not exist.
	ErrNotFound = errors.New("volume not found")
	// ErrStopped: the volume exists but is not started.
	ErrStopped = errors.New("volume not started")
	// ErrDenied: the server refuses this client (auth.allow, auth.reject).
	ErrDenied = errors.New("access denied")
	// ErrUnreachable: no volfile server answered.
	ErrUnreachable = errors.New("no volfile server reachable")
)

// refusal is a server's definitive answer about the volume, believed
// without asking the other servers.
type refusal struct {
	server string
	msg    string
	kind   error
}

func (r *refusal) Error() string { return fmt.Sprintf("%s (from %s)", r.msg, r.server) }
func (r *refusal) Unwrap() error { return r.kind }

// classify turns a failed RPC into a refusal, or nil when the server did
// not answer for the volume (down, unreachable, no quorum, ...).
func classify(server string, err error) *refusal {
	st, ok := status.FromError(err)
	if !ok {
		return nil
	}
	var kind error
	switch st.Code() {
	case codes.NotFound:
		kind = ErrNotFound
	case codes.FailedPrecondition:
		kind = ErrStopped
	case codes.PermissionDenied, codes.Unauthenticated:
		kind = ErrDenied
	default:
		return nil
	}
	return &refusal{server: server, msg: st.Message(), kind: kind}
}
