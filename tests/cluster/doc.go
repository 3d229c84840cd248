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
//	func WaitFor(t, bound, what, cond)              // poll cond under a bound; fail with what
//
// Replication and fault injection:
//
//	func NewVolume(t, bricks, replica, arbiter int) *Volume
//	func (v *Volume) Mount(t, opts...) / MountThrough(t, proxies, opts...) string
//	func (v *Volume) RunHeal(args...) / Heal(t, args...) / Info(t, args...) / HealUntilClean(t, bound)
//	func MountSpecs(t, specs, flags []string, opts...) string // any bricks, any flags (--arbiter 1)
//	func NewProxy(t, target) / ProxyFor(t, b) / ProxiesFor(t, bricks) *Proxy
//	func StartBricksBehindProxies(t, n) ([]*Brick, []*Proxy)
//	func (p *Proxy) Pass() / Blackhole() / Reset() / Delay(d) / Conns() / Spec()
//	func StartBrickOnTmpfs(t, name, size) *Brick    // a brick that fills up (ENOSPC)
//	func MountPid(t, mnt) int / KillMount(t, mnt)   // kill -9 the mount daemon (a client crash)
//	func CompareBricks(t, dirs...) / CompareArbiter(t, arbiter, data...) / DiffBricks / ReadTree
//	func Pending(path) / PendingTree(dir) / Dirty(dir) / BrickID(dir) / GFID(path) / RequireClean(t, dirs...)
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
// # Faults
//
// A Proxy sits between a client and one brick (etcd's test bridge is the
// model): Blackhole drops every byte both ways on old and new connections
// without closing anything (a partition), Pass lets traffic flow again and
// closes the connections whose stream lost bytes, Reset closes every
// connection, Delay adds latency. A volume mounted with MountThrough
// reaches each brick only through its proxy, so one client can be cut off
// from chosen bricks while the bricks keep running for others (heal, a
// second mount). Brick.Kill is a crashed brick server, KillMount a crashed
// client, StartBrickOnTmpfs a brick whose disk fills up.
//
// # Checking replicas
//
// CompareBricks walks brick directories (.mortar/ left out) and requires
// identical trees: names, types, content (sha256), mode, owner, nlink,
// mtime, symlink targets, device numbers, trusted.mortar.gfid and every
// other extended attribute but the changelog counters, printing the first
// differences by kind. RequireClean requires empty dirty indexes and zero
// counters on every inode. Volume.HealUntilClean runs `mortar heal` and
// `mortar heal --info --json` until nothing is left, under a bound.
//
// Readiness is always a condition polled under a bound (a port accepting, a
// mountpoint's st_dev changing, a process exiting), never a fixed sleep.
//
// # Environment
//
//	MORTAR_BIN=PATH        the mortar binary to test (make test sets it)
//	MORTAR_REQUIRE_FUSE=1  missing root or /dev/fuse fails instead of skipping (CI)
//	MORTAR_KEEP_FAILED=DIR a heal that does not finish copies the bricks (cp -a) under DIR first
package cluster
