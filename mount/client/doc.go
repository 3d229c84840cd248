// Package client is the bottom of the client stack: a fop.Brick that speaks
// the brick protocol (proto/brick.proto) over one gRPC connection.
//
// # Sessions
//
// A Brick owns one grpc.ClientConn and one goroutine that keeps a Session
// stream open. The first event of the stream names the session; every
// request carries its id. When the stream ends (the server restarted, the
// connection broke, the brick stopped answering pings) the brick's fds and
// locks of that session are gone on the server; the goroutine reconnects
// with capped exponential backoff (100 ms → 2 s) and the new session gets a
// new generation number.
//
// Operations issued while no session is up wait for one for at most
// Options.ConnectTimeout (and never past their context), then fail with
// ENOTCONN. Operations in flight when their session ends fail with
// ENOTCONN: whether they took effect is unknown. An operation answered
// FailedPrecondition (the server no longer knows the session) marks the
// session dead, waits for the next one and is retried once.
//
// # Liveness
//
// gRPC keepalive pings are on, but grpc-go refuses ping intervals below
// 10 s; so the session goroutine also sends its own cheap request (Statfs
// of the root) every Options.PingInterval and declares the session dead
// when one is not answered within Options.PingTimeout. A dead or frozen
// brick is noticed within about PingInterval+PingTimeout (4 s by default),
// and the calls waiting on it fail with ENOTCONN instead of hanging.
//
// # Open files and directories
//
// A File or Dir remembers (gfid, flags, brick fd, generation). After a
// reconnect it reopens itself by gfid (without O_CREAT, O_EXCL, O_TRUNC)
// before its next operation; the caller never sees the new fd. Locks are
// not restored: fcntl and flock locks held through the old session were
// released by the server when it ended (docs/client-stack.md).
//
// # Errors
//
// Every error is converted in one place (errors.go): a reply's errno
// becomes a syscall.Errno, gRPC status Unavailable becomes ENOTCONN,
// DeadlineExceeded ETIMEDOUT, Canceled EINTR, anything else EIO; the
// caller's context ending gives EINTR (ETIMEDOUT for a deadline). The
// errno is wrapped with the brick, operation and subject, so errors.As
// finds it.
//
// # Events
//
// Change notifications of the session stream go to the sink given to
// Watch. After a reconnect the brick reports one EventOverflow, because
// notifications sent while no session was up are lost.
package client
