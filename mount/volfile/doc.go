// Package volfile is the client side of the management service's volfile
// RPCs (proto/mgmt.proto): fetching a volume's volfile from the first
// volfile server that answers, and watching it for changes.
//
// The contract:
//   - Servers are tried in order (the mount's server, then the
//     backup-volfile-servers), each for at most Config.Timeout. The first
//     volfile wins. A server that answers for the volume with a refusal
//     (the volume does not exist, is not started, or this client is not
//     allowed) is believed at once: the pool's state is one replicated
//     log, every peer says the same. Errors wrap ErrNotFound, ErrStopped,
//     ErrDenied, or ErrUnreachable when no server answered at all.
//   - Watch keeps one WatchVolfile stream open, to any of the servers in
//     turn, reconnecting with capped exponential backoff, and hands every
//     volfile newer than the last one seen to its callback, in order,
//     from one goroutine. It returns when its context ends. A stopped or
//     deleted volume ends a stream; Watch logs it and keeps trying (the
//     volume may be started again), and the mount keeps serving with its
//     last volfile.
//   - A server is HOST or HOST:PORT; the port defaults to DefaultPort.
package volfile

import (
	"log/slog"
	"time"

	"google.golang.org/grpc"
)

// DefaultPort is the management port of `mortar daemon`.
const DefaultPort = "7420"

// Config says where and how to fetch a volume's volfile.
type Config struct {
	// Servers are the volfile servers, in the order to try them.
	Servers []string
	// Volume is the volume's name.
	Volume string
	// Client names this client in the servers' logs ("host/pid").
	Client string
	// Timeout bounds each server's attempt; 0: DefaultTimeout.
	Timeout time.Duration
	// DialOptions are added to the connection's (TLS).
	DialOptions []grpc.DialOption
	// Logger receives the watch's logs; nil: slog.Default().
	Logger *slog.Logger
}

// DefaultTimeout bounds one volfile server's attempt.
const DefaultTimeout = 5 * time.Second

// Watch backoff bounds.
const (
	backoffMin = 200 * time.Millisecond
	backoffMax = 10 * time.Second
)
