// Package posix is mortar's POSIX conformance suite, written in Go.
//
// One suite of assertions (runSuite in suite_test.go) runs against a target
// directory:
//
//   - TestLocal: a directory on the local disk (always runs), so that the
//     suite itself is validated against the kernel's own file system;
//   - TestMortar: a 3-brick distributed mortar mount made with tests/cluster
//     (skipped without root and /dev/fuse, failed instead with
//     MORTAR_REQUIRE_FUSE=1);
//   - TestDir: any directory named by MORTAR_POSIX_DIR (another FUSE file
//     system, an NFS or GlusterFS mount, to compare).
//
// The same assertions must hold on every target. Where Linux file systems
// differ among themselves, the suite asserts what POSIX mandates (and, where
// POSIX leaves a choice, accepts each allowed errno). Every check is exact
// on the errno.
//
// Each check gets a fresh directory "@GROUP.CHECK" under the target and
// runs as root; what must be checked as an unprivileged user (EACCES, EPERM,
// sticky directories, ACLs) runs in a child process: the test binary
// re-executed in a helper mode (MORTAR_POSIX_CHILD=1) with
// syscall.Credential{Uid: 65534, Gid: 65534} and driven over a pipe (see
// child_test.go), since set*id in a Go process is unsafe. Locks between two
// processes use the same children, as root.
//
// TestCrossMount mounts one volume twice and checks what one client must see
// of another's changes; TestMortarInternals checks what is mortar's own
// (internal xattrs hidden, stable inode numbers, statfs summing the bricks).
//
// Timestamps are compared after waiting, by condition, until the coarse
// kernel clock has passed the previous timestamp (tick), so "changed" is a
// strict inequality without fixed sleeps.
package posix
