// Package replica is mortar's fault-injection suite for replication
// (mount/afr) and self-heal (mount/heal, `mortar heal`): replica sets run
// as real brick servers and FUSE mounts (tests/cluster), and the tests
// break them while applications write, then require that heal makes every
// replica identical.
//
// What each test does, in the words of issue 3:
//
//   - TestKillBrickDuringBigWrite: kill -9 one brick of a replica-3 set in
//     the middle of writing a 1 GiB file (128 MiB with -short); the writer
//     sees no error; the brick is restarted while the writer goes on; heal
//     runs until `mortar heal --info` shows nothing; the brick directories
//     are identical (content, mode, owner, times, xattrs, gfids).
//   - TestKillBrickDuringSmallFiles: the same with a tree of 5,000 small
//     files (500 with -short) created, overwritten, renamed and deleted.
//   - TestBrickDownDuringNamespaceOps: a brick is down during mkdir, rmdir,
//     rename, link, symlink, mknod, chmod, chown, utimes, truncate,
//     setxattr and removexattr; entry and metadata heal make the replicas
//     identical, with every operation kept.
//   - TestPartition: a client that reaches only 1 of 3 bricks gets EROFS
//     or ENOTCONN on writes, and on reads unless mounted with stale-reads;
//     nothing diverges; service resumes by itself when the partition ends.
//   - TestSplitBrain: split-brain made on replica 2 with quorum-type=none
//     (each side written while the other is cut off): EIO on read, listed
//     by `heal --info --split-brain`, resolved by each policy.
//   - TestClientCrash: kill -9 of a mount while it writes: its locks are
//     released (another mount writes and locks the file at once) and heal
//     clears the pending marks it left.
//   - TestDiskFull: one brick on a small tmpfs fills up: the write succeeds
//     and that brick is accused; with two full bricks the write fails with
//     ENOSPC; nothing is lost on the others.
//   - TestArbiter: replica 3 arbiter 1: the arbiter holds zero-size files,
//     writes go on with any one brick down, the arbiter never serves data.
//
// Every call that touches a mount runs in a child process (the test binary
// re-executed, see child_test.go) under a bound, so a hung mount fails a
// test instead of hanging it. Waits are conditions polled under a bound.
// The POSIX suite on replicated volumes is in tests/posix
// (TestMortarReplica3, TestMortarDistRep).
package replica
