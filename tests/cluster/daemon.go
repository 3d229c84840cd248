package cluster

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bounds of a daemon's life cycle and of its commands.
const (
	daemonReadyBound = 30 * time.Second
	daemonStopBound  = 20 * time.Second
	// daemonBrickFS is the size of each daemon's brick file system (a
	// tmpfs: the daemon refuses bricks on the root file system unless
	// forced, as gluster does, and a test should not need force).
	daemonBrickFS = 2 << 30
	// CLIBound bounds one CLI command against a daemon.
	CLIBound = 60 * time.Second
)

// Daemon is one `mortar daemon` process: a peer of a pool, on its own
// loopback address, with its state directory and a directory for its
// bricks under the test's temporary directory.
type Daemon struct {
	Index      int    // 1-based, in the pool's order
	Host       string // its own 127.x.y.z address
	Port       int    // gRPC (management and bricks)
	GossipPort int    // memberlist
	StateDir   string
	Socket     string // the local CLI's unix socket
	BrickDir   string // make bricks under here (BrickPath names one): a tmpfs of its own, not the root file system
	Log        string

	t   testing.TB
	bin string

	mu          sync.Mutex
	proc        *process // nil while stopped
	partitioned bool
}

// Addr is the daemon's gRPC address, HOST:PORT (what mount sources and
// --remote-host name).
func (d *Daemon) Addr() string { return net.JoinHostPort(d.Host, strconv.Itoa(d.Port)) }

func (d *Daemon) String() string { return fmt.Sprintf("daemon %d (%s)", d.Index, d.Addr()) }

// BrickPath returns a brick path HOST:/PATH on this daemon for a new
// brick named name (the directory is left for volume create to make).
func (d *Daemon) BrickPath(name string) string {
	return d.Host + ":" + filepath.Join(d.BrickDir, name)
}

// StartDaemons starts n daemons, each on its own loopback address
// (127.A.B.1..n, A.B chosen per test process so that test binaries running
// at once do not meet), with free ports, and waits until each serves. They
// are stopped (SIGTERM) when the test ends. The pool is not formed: probe.
func StartDaemons(t testing.TB, n int) []*Daemon {
	t.Helper()
	RequireFUSE(t) // root: bricks keep trusted.* xattrs
	ds := make([]*Daemon, n)
	for i := range ds {
		ds[i] = startDaemon(t, i+1)
	}
	return ds
}

// hostBase is this test binary's 127.A.B prefix; hostSeq numbers hosts.
var (
	hostBase = fmt.Sprintf("127.%d.%d", 100+os.Getpid()%100, os.Getpid()/100%250+1)
	hostSeq  struct {
		sync.Mutex
		n int
	}
)

// newHost returns a loopback address no other daemon of this process has.
func newHost() string {
	hostSeq.Lock()
	defer hostSeq.Unlock()
	hostSeq.n++
	return fmt.Sprintf("%s.%d", hostBase, hostSeq.n%250+1)
}

func startDaemon(t testing.TB, index int) *Daemon {
	t.Helper()
	base := TempDir(t)
	d := &Daemon{
		Index:    index,
		Host:     newHost(),
		StateDir: filepath.Join(base, fmt.Sprintf("state%d", index)),
		BrickDir: filepath.Join(base, fmt.Sprintf("bricks%d", index)),
		Log:      filepath.Join(base, fmt.Sprintf("daemon%d.log", index)),
		t:        t,
		bin:      Bin(t),
	}
	d.Socket = filepath.Join(d.StateDir, "mortar.sock")
	for _, dir := range []string{d.StateDir, d.BrickDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Registered before the daemon's own cleanup, so it runs after it.
	mountTmpfs(t, d.BrickDir, daemonBrickFS)
	logOnFailure(t, d.String(), d.Log)
	t.Cleanup(func() {
		d.Unpartition()
		if err := d.stop(syscall.SIGTERM); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	})
	var err error
	for try := 0; try < 3; try++ {
		if d.Port, err = freePortOn(d.Host); err != nil {
			t.Fatal(err)
		}
		if d.GossipPort, err = freePortOn(d.Host); err != nil {
			t.Fatal(err)
		}
		if err = d.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("%s: %v", d, err)
	}
	return d
}

// freePortOn returns a TCP port free on host (and, by luck, for UDP:
// memberlist uses both).
func freePortOn(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// args is the daemon's command line.
func (d *Daemon) args() []string {
	return []string{"daemon",
		"--state-dir", d.StateDir,
		"--listen", d.Addr(),
		"--gossip-port", strconv.Itoa(d.GossipPort),
		"--socket", d.Socket,
	}
}

// start runs the daemon and waits until its gRPC port accepts
// connections.
func (d *Daemon) start() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.proc != nil && !d.proc.exited() {
		return fmt.Errorf("already running")
	}
	logf, err := os.OpenFile(d.Log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := d.args()
	fmt.Fprintf(logf, "=== %s %s\n", d.bin, quoteArgs(args))
	cmd := exec.Command(d.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p, err := startProcess(cmd)
	if err != nil {
		return err
	}
	d.proc = p
	ready := waitFor(daemonReadyBound, func() bool {
		if p.exited() {
			return true
		}
		c, err := net.DialTimeout("tcp", d.Addr(), time.Second)
		if err != nil {
			return false
		}
		c.Close()
		_, err = os.Stat(d.Socket)
		return err == nil
	})
	switch {
	case p.exited():
		return fmt.Errorf("%s exited before serving: %v; its log ends:\n%s", quoteArgs(args), p.err, Tail(d.Log, 10))
	case !ready:
		_ = p.cmd.Process.Kill()
		p.wait(daemonStopBound)
		return fmt.Errorf("%s: %s not serving after %v", quoteArgs(args), d.Addr(), daemonReadyBound)
	}
	return nil
}

// stop sends sig and waits for the daemon to exit; one that does not
// exit in time is killed and reported.
func (d *Daemon) stop(sig syscall.Signal) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.proc
	d.proc = nil
	if p == nil || p.exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(sig)
	if p.wait(daemonStopBound) {
		return nil
	}
	_ = p.cmd.Process.Kill()
	p.wait(daemonStopBound)
	return fmt.Errorf("did not exit within %v of %v: killed", daemonStopBound, sig)
}

// Stop ends the daemon with SIGTERM and waits for it to exit.
func (d *Daemon) Stop() {
	d.t.Helper()
	if err := d.stop(syscall.SIGTERM); err != nil {
		d.t.Errorf("%s: %v", d, err)
	}
}

// Kill ends the daemon with SIGKILL (a crash) and waits for it to exit.
func (d *Daemon) Kill() {
	d.t.Helper()
	if err := d.stop(syscall.SIGKILL); err != nil {
		d.t.Errorf("%s: %v", d, err)
	}
}

// Restart starts a stopped or killed daemon again with the same address,
// ports and state, and waits until it serves.
func (d *Daemon) Restart() {
	d.t.Helper()
	if err := d.start(); err != nil {
		d.t.Fatalf("restarting %s: %v", d, err)
	}
}

// Running reports whether the daemon process is alive.
func (d *Daemon) Running() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.proc != nil && !d.proc.exited()
}

// Pid is the daemon's process id, or 0 when it is not running.
func (d *Daemon) Pid() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.proc == nil || d.proc.exited() {
		return 0
	}
	return d.proc.cmd.Process.Pid
}
