package cluster

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bounds of the brick server's life cycle.
const (
	brickReadyBound = 30 * time.Second
	brickStopBound  = 15 * time.Second
)

// Brick is one brick served by its own `mortar brickd` process.
type Brick struct {
	Name string // brick name on its server, "b1"
	Addr string // 127.0.0.1:PORT
	Dir  string // the brick's directory on the local disk
	Log  string // the server's stdout and stderr

	t   testing.TB
	bin string

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is a started child and the result of waiting for it.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when Wait returned
	err  error         // Wait's result, valid after done
}

func startProcess(cmd *exec.Cmd) (*process, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits up to bound for the process to exit and reports whether it did.
func (p *process) wait(bound time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(bound):
		return false
	}
}

// Spec is the brick as `mortar mount --bricks` names it: ADDR/NAME.
func (b *Brick) Spec() string { return b.Addr + "/" + b.Name }

func (b *Brick) String() string { return b.Spec() }

// StartBricks starts n brick servers on 127.0.0.1, one process each, named
// b1..bn, with their directories in a temporary directory. They are stopped
// when the test ends.
func StartBricks(t testing.TB, n int) []*Brick {
	t.Helper()
	bricks := make([]*Brick, n)
	for i := range bricks {
		bricks[i] = StartBrick(t, "b"+strconv.Itoa(i+1))
	}
	return bricks
}

// StartBrick starts one brick server serving the brick name from a new
// directory, and waits until it accepts connections.
func StartBrick(t testing.TB, name string) *Brick {
	t.Helper()
	base := TempDir(t)
	return startBrickIn(t, name, filepath.Join(base, name), filepath.Join(base, name+".log"))
}

// startBrickIn starts a brick server for the new directory dir (its parent
// must exist), logging to log.
func startBrickIn(t testing.TB, name, dir, log string) *Brick {
	t.Helper()
	b := &Brick{
		Name: name,
		Dir:  dir,
		Log:  log,
		t:    t,
		bin:  Bin(t),
	}
	if err := os.Mkdir(b.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	logOnFailure(t, "brick server "+name, b.Log)
	t.Cleanup(func() {
		if err := b.stop(syscall.SIGTERM); err != nil {
			t.Errorf("brick %s: %v", name, err)
		}
	})
	// A port found free may be taken before the server binds it: retry
	// with another one when the server exits complaining about it.
	var err error
	for try := 0; try < 3; try++ {
		b.Addr, err = freePort()
		if err != nil {
			t.Fatal(err)
		}
		if err = b.start(); err == nil || !strings.Contains(Tail(b.Log, 5), "address already in use") {
			break
		}
	}
	if err != nil {
		t.Fatalf("brick %s: %v", name, err)
	}
	return b
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start runs the server and waits until it accepts connections.
func (b *Brick) start() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.proc != nil && !b.proc.exited() {
		return fmt.Errorf("already running")
	}
	logf, err := os.OpenFile(b.Log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"brickd", "--listen", b.Addr, "--brick", b.Name + "=" + b.Dir}
	fmt.Fprintf(logf, "=== %s %s\n", b.bin, quoteArgs(args))
	cmd := exec.Command(b.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p, err := startProcess(cmd)
	if err != nil {
		return err
	}
	b.proc = p
	ready := waitFor(brickReadyBound, func() bool {
		if p.exited() {
			return true
		}
		c, err := net.DialTimeout("tcp", b.Addr, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	switch {
	case p.exited():
		return fmt.Errorf("%s exited before serving: %v; its log ends:\n%s", quoteArgs(args), p.err, Tail(b.Log, 5))
	case !ready:
		p.cmd.Process.Kill()
		p.wait(brickStopBound)
		return fmt.Errorf("%s: %s not accepting connections after %v", quoteArgs(args), b.Addr, brickReadyBound)
	}
	return nil
}

// stop sends sig and waits for the server to exit; a server that does not
// exit in time is killed and reported.
func (b *Brick) stop(sig syscall.Signal) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.proc
	if p == nil || p.exited() {
		b.proc = nil
		return nil
	}
	b.proc = nil
	_ = p.cmd.Process.Signal(sig)
	if p.wait(brickStopBound) {
		return nil
	}
	_ = p.cmd.Process.Kill()
	p.wait(brickStopBound)
	return fmt.Errorf("did not exit within %v of %v: killed", brickStopBound, sig)
}

// Stop ends the server with SIGTERM and waits for it to exit.
func (b *Brick) Stop() {
	b.t.Helper()
	if err := b.stop(syscall.SIGTERM); err != nil {
		b.t.Errorf("brick %s: %v", b.Name, err)
	}
}

// Kill ends the server with SIGKILL (a crash) and waits for it to exit.
func (b *Brick) Kill() {
	b.t.Helper()
	if err := b.stop(syscall.SIGKILL); err != nil {
		b.t.Errorf("brick %s: %v", b.Name, err)
	}
}

// Restart starts a stopped or killed server again on the same address and
// directory, and waits until it accepts connections.
func (b *Brick) Restart() {
	b.t.Helper()
	if err := b.start(); err != nil {
		b.t.Fatalf("restarting brick %s: %v", b.Name, err)
	}
}

// Running reports whether the server process is alive.
func (b *Brick) Running() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.proc != nil && !b.proc.exited()
}

// Pid is the server's process id, or 0 when it is not running.
func (b *Brick) Pid() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.proc == nil || b.proc.exited() {
		return 0
	}
	return b.proc.cmd.Process.Pid
}
