package client

import (
	"log/slog"
	"time"

	"google.golang.org/grpc"
)

// Options tune a Brick. The zero value is usable.
type Options struct {
	// ConnectTimeout is how long an operation waits for a (re)connecting
	// session before it fails with ENOTCONN; default 5 s. It also bounds a
	// connection attempt and the wait for a new session's first event.
	ConnectTimeout time.Duration
	// PingInterval is how often the session goroutine checks that the
	// brick answers; default 2 s, negative turns the check off.
	PingInterval time.Duration
	// PingTimeout is how long a ping may take before the session is
	// declared dead; default 2 s.
	PingTimeout time.Duration
	// FailFast: once the brick has had a session, an operation issued
	// while none is up fails with ENOTCONN at once instead of waiting up
	// to ConnectTimeout for the next one. Replication sets it: it must
	// never wait on a brick that is down, the other replicas answer. The
	// first connection is still waited for (ConnectTimeout).
	FailFast bool
	// NoChangeEvents asks the brick not to send the entry and inode change
	// events of other clients, only session, lock contention and overflow
	// events. For clients that cache nothing, such as the self-heal
	// daemon: each change would cost them a stream message for nothing.
	NoChangeEvents bool
	// CarryDelay is how long a request nobody waits for (an entry unlock,
	// a release) may wait to ride on the next call to the brick before it
	// is sent on its own (carried.go); default 10 ms, negative sends such
	// requests at once.
	CarryDelay time.Duration
	// Logger receives the brick's connection events; default slog.Default().
	Logger *slog.Logger
	// DialOptions are added to the brick's own (TLS later).
	DialOptions []grpc.DialOption
}

const (
	defaultConnectTimeout = 5 * time.Second
	defaultPingInterval   = 2 * time.Second
	defaultPingTimeout    = 2 * time.Second
	defaultCarryDelay     = 10 * time.Millisecond

	// backoffMin and backoffMax bound the wait between reconnect attempts.
	backoffMin = 100 * time.Millisecond
	backoffMax = 2 * time.Second

	// MaxIO is the largest Read or Write one RPC carries; bigger ones are split.
	MaxIO = 1 << 20
	// maxMsg is the gRPC message size limit, both ways: MaxIO plus room.
	maxMsg = 8 << 20
)

// withDefaults fills in the zero fields of o.
func (o Options) withDefaults() Options {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = defaultConnectTimeout
	}
	if o.PingInterval == 0 {
		o.PingInterval = defaultPingInterval
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = defaultPingTimeout
	}
	if o.CarryDelay == 0 {
		o.CarryDelay = defaultCarryDelay
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
