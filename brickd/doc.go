// Package brickd is the brick server: it serves one or more brick
// directories over gRPC (proto/brick.proto). It owns the sessions of the
// clients, their open files and directories, the per-session change
// notification queues, and the translation between the wire and the
// brick's file operations.
//
// The file operations themselves, and the confinement of every access to
// the brick root, live in brickd/internal/posix; locks in
// brickd/internal/locks. docs/on-disk-format.md describes a brick on disk.
//
// # Sessions
//
// A client opens a session on one brick with the Session RPC, a server
// stream. Its first event is EVENT_SESSION (session id, brick id, volume
// id); every other RPC names the session, and an unknown session is gRPC
// status FailedPrecondition. When the stream ends, the session's open
// files and directories are closed and its locks (fcntl, flock, inodelk,
// entrylk) are released.
//
// # Errors
//
// Every reply carries an errno, set in one place (errno.go): a
// syscall.Errno found with errors.As, EIO for anything else. Malformed
// requests (a gfid that is not 16 bytes, a missing field, data over 1 MiB)
// are EINVAL. An unknown gfid is ESTALE.
//
// # Change notifications
//
// Every successful modifying operation queues events for every other
// session of the brick (events.go): EVENT_ENTRY for names created,
// removed or renamed, EVENT_INODE for inodes whose data or attributes
// changed (including the parent directories whose entries changed). A
// queue coalesces identical events and, past a bound, collapses into one
// EVENT_OVERFLOW; each session's stream handler sends them, so an
// operation never waits for a slow client.
//
// # Process state
//
// New sets the process umask to 0 (once, for every brick): modes arrive
// as asked with the caller's umask in the request (applied by the brick
// unless the parent has a default ACL), or with it applied (umask 0).
package brickd
