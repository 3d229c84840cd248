// Package afr owns replication: one replica set of N bricks presented as
// one fop.Volume (Set). docs/replication.md explains the decisions; this
// is the contract.
//
// Changes are changelog transactions (txn.go): lock, pre-op, the
// operation on every brick in parallel, post-op, unlock.
//   - Locks: data operations (write, truncate, fallocate) take an inodelk
//     over the whole file in DataDomain, metadata operations (setattr but
//     size, setxattr, removexattr) one in MetadataDomain, entry
//     operations an entrylk on every (parent, name) they touch, in
//     EntryDomain. Locks are tried on every connected brick in parallel
//     without waiting; if any is held elsewhere, everything is released
//     and they are taken waiting, in one global order (target, then brick
//     order), so two clients never deadlock. The heal engine (mount/heal)
//     takes the same locks.
//   - Pre-op: Xattrop +1 of the kind's counter for every brick of the set,
//     on every locked brick. Post-op: −1 for the bricks where the
//     operation succeeded, on every brick that took part; a brick that
//     failed or was down stays accused. An operation that failed alike on
//     every brick (the same errno, none unreachable) changed nothing: its
//     marks are undone and nobody is accused. Entry transactions with every
//     brick locked are optimistic: no pre-op, a post-op only to accuse a
//     brick where the operation failed.
//   - Post-op and unlock run after the caller has its answer (background,
//     bounded, waited for by Close).
//   - New inodes get the caller's gfid on every brick.
//
// Eager lock and delayed post-op (eager.go): a data transaction keeps its
// lock and mark (a window) for the data operations that follow on the
// inode, so a write stream costs one write RPC per brick per write. The
// window closes after Options.PostOpDelay idle, at fsync, flush and
// release, at once after an operation failed on some brick, and when a
// brick reports that another client waits for the lock
// (fop.EventLockContention, which the set takes from its children's
// Watch sinks and never passes up).
//
// Quorum (quorum.go): a change is attempted only when a quorum of the
// set's bricks is connected, then locked, then marked; otherwise it is
// EROFS and nothing reaches the minority. With fewer than a quorum of
// successes the operation fails with the bricks' errno (ENOSPC on two
// bricks of three); with a quorum it succeeds and the failed bricks are
// accused. Reads need a quorum of connected bricks too (ENOTCONN) unless
// Options.StaleReads. An arbiter counts for quorum.
//
// Reads (read.go, lookup.go): Lookup asks every connected brick, checks
// that the gfids agree (EIO otherwise), judges every inode's counters with
// Analyze and keeps the verdict per gfid (bounded, dropped on the bricks'
// change notifications). Reads go to one source of the kind they need,
// the same brick for every read of an inode (spread over the bricks by
// gfid), failing over to the next source. Split-brain of a kind makes
// the reads of that kind EIO (data: read, write; metadata: stat, xattrs);
// lookup still succeeds. Inodes that need healing are queued to
// Options.Healer.
//
// Arbiter (Options.Arbiter, the last child): names, attributes, locks and
// changelogs, no data: writes, truncates and fallocates skip it (it
// counts as succeeded), it is never read for data or a file's size, and
// never a data source; a write whose only data bricks are accused ones is
// refused (EIO).
//
// Calls never wait on a brick that is down: children that are not
// Connected take no part (the brick client fails fast, see
// client.Options.FailFast), and a frozen brick is dropped by the client's
// heartbeat within seconds. Internal lock waits do not end with the
// caller's context (FUSE interrupts requests for any signal); they end
// when the holder lets go or after two minutes.
package afr
