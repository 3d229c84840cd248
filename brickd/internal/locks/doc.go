// Package locks owns the brick's lock state: POSIX byte-range locks (fcntl)
// with per-owner merge and split, flock locks, and the internal inode and
// entry locks that replication takes (inodelk, entrylk, one namespace per
// domain string).
//
// Locks live in tables keyed by (space, gfid, domain); every owner carries
// the session it belongs to, so that everything a session holds is released
// when it ends (Manager.ReleaseSession). Blocking requests wait on a table's
// change channel until they are granted or their context ends (EINTR).
//
// Errors are syscall.Errno values: EAGAIN for a conflict of a non-blocking
// request, EINTR for a wait that was cancelled.
//
// Deadlock detection (EDEADLK) is not done: a blocked F_SETLKW waits until
// the lock is released or the caller gives up.
package locks
