// Package cluster runs mortar as real processes for integration tests:
// brick servers (`mortar brickd`) and FUSE mounts (`mortar mount`).
//
// The programs under test exec subprocesses that touch the mount, and a
// go-fuse server that lives in the test process deadlocks when the test
// process itself enters the mount, so everything here is a separate process
// started from the mortar binary.
//
// # API
//
//	func Main(m *testing.M) int                    // TestMain wrapper: removes the built binary, fails on leftover mounts
//	func Bin(t testing.TB) string                  // $MORTAR_BIN, or ./cli/mortar built once per test binary
//	func RequireFUSE(t testing.TB)                 // root + /dev/fuse, else Skip (Fatal with MORTAR_REQUIRE_FUSE=1)
//	func TempDir(t testing.TB) string              // a t.TempDir that other users can search (for non-root checks)
//	func StartBricks(t testing.TB, n int) []*Brick // n brick servers on 127.0.0.1, one process each
//	func StartBrick(t testing.TB, name string) *Brick
//	func (b *Brick) Stop() / Kill() / Restart() / Running() / Spec()
//	func Mount(t testing.TB, bricks []*Brick, replica int, opts ...string) string
//	func Unmount(t testing.TB, mnt string)          // before the test ends; Mount's cleanup does it otherwise
//	func Abort(mnt string) error                    // abort the FUSE connection (hung mount)
//
// # Processes
//
// Each brick is one `mortar brickd --listen 127.0.0.1:PORT --brick NAME=DIR`
// process with its directory in t.TempDir(); its output goes to a log file
// next to it. StartBricks waits until the port accepts connections (bounded),
// and fails the test at once if the process exits first. Bricks are stopped
// with SIGTERM in the test's Cleanup (SIGKILL if they do not exit in time,
// which fails the test), and die with the test binary (Pdeathsig).
//
// Mount runs `mortar mount --bricks A/b1,B/b2,... --replica N -o OPTS MNT`
// without --foreground: the command must return 0 once the mount is usable,
// leaving a daemon that serves it. The harness adds -o log-file=PATH so the
// daemon's log is captured, then checks that MNT is a FUSE mount (its st_dev
// differs from its parent's and /proc/self/mountinfo lists it). Cleanup
// unmounts with umount(8); a mount still busy after a bounded retry is
// lazily unmounted (umount -l) and fails the test, as do a mount that is
// still listed afterwards and a mount daemon that does not exit once
// unmounted. Main reports any FUSE mount left under the temp directory.
//
// On failure, the tail of every log of the test (brick servers, mount
// command, mount daemon) is printed.
//
// Readiness is always a condition polled under a bound (a port accepting, a
// mountpoint's st_dev changing, a process exiting), never a fixed sleep.
//
// # Environment
//
//	MORTAR_BIN=PATH        the mortar binary to test (make test sets it)
//	MORTAR_REQUIRE_FUSE=1  missing root or /dev/fuse fails instead of skipping (CI)
package cluster
