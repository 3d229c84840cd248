package replica

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/tests/cluster"
)

// Everything that touches a mount runs in a child process: the test binary
// re-executed with childEnv naming a file that holds the job. A request
// hung in a broken mount then hangs a process the test can kill, never the
// test itself. The child prints "progress N" lines while it works and one
// "result JSON" line at the end.

const childEnv = "MORTAR_REPLICA_CHILD"

// job is what a child does: exactly one field is set.
type job struct {
	Ops      []op      `json:"ops,omitempty"`
	Write    *writeJob `json:"write,omitempty"`
	Tree     *treeJob  `json:"tree,omitempty"`
	Manifest string    `json:"manifest,omitempty"` // a directory to list with content hashes
}

// result is what a child reports.
type result struct {
	Ops      []opResult       `json:"ops,omitempty"`
	Write    *writeResult     `json:"write,omitempty"`
	Tree     *treeResult      `json:"tree,omitempty"`
	Manifest map[string]entry `json:"manifest,omitempty"`
	Err      string           `json:"err,omitempty"` // the child could not do its job at all
}

// childMain runs the job of a child process and returns its exit status.
func childMain() int {
	var j job
	data, err := os.ReadFile(os.Getenv(childEnv))
	if err != nil {
		fmt.Fprintf(os.Stderr, "child: %v\n", err)
		return 2
	}
	if err := json.Unmarshal(data, &j); err != nil {
		fmt.Fprintf(os.Stderr, "child: bad job: %v\n", err)
		return 2
	}
	out := bufio.NewWriter(os.Stdout)
	progress := func(n int64) {
		fmt.Fprintf(out, "progress %d\n", n)
		out.Flush()
	}
	var r result
	switch {
	case j.Ops != nil:
		r.Ops = runOps(j.Ops)
	case j.Write != nil:
		r.Write = runWrite(*j.Write, progress)
	case j.Tree != nil:
		r.Tree = runTree(*j.Tree, progress)
	case j.Manifest != "":
		m, err := manifest(j.Manifest)
		r.Manifest = m
		if err != nil {
			r.Err = err.Error()
		}
	default:
		r.Err = "empty job"
	}
	data, err = json.Marshal(r)
	if err != nil {
		fmt.Fprintf(os.Stderr, "child: %v\n", err)
		return 2
	}
	fmt.Fprintf(out, "result %s\n", data)
	out.Flush()
	return 0
}

// child is a running child process, seen from the test.
type child struct {
	t    testing.TB
	what string
	cmd  *exec.Cmd

	progress atomic.Int64
	done     chan struct{} // closed when the process was waited for

	mu       sync.Mutex
	stderr   bytes.Buffer
	res      *result
	waitErr  error
	exitedAt time.Time
}

// startChild starts a child doing j; what names it in messages. The child
// is killed when the test ends, if it still runs.
func startChild(t testing.TB, what string, j job) *child {
	t.Helper()
	data, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	// The job goes in a file: it can be larger than an environment
	// variable may be (128 KiB).
	jobFile, err := os.CreateTemp("", "replica-job-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(jobFile.Name()) })
	_, err = jobFile.Write(data)
	if cerr := jobFile.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, what: what, done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0])
	c.cmd.Env = append(os.Environ(), childEnv+"="+jobFile.Name())
	c.cmd.Stderr = &lockedWriter{mu: &c.mu, w: &c.stderr}
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("starting child %s: %v", what, err)
	}
	go c.read(stdout)
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			c.mu.Lock()
			s := strings.TrimSpace(c.stderr.String())
			c.mu.Unlock()
			if s != "" {
				t.Logf("--- child %s, stderr (last 60 lines):\n%s", what, lastLines(s, 60))
			}
		}
	})
	return c
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (c *child) read(stdout interface{ Read([]byte) (int, error) }) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 256<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "progress "):
			if n, err := strconv.ParseInt(strings.TrimPrefix(line, "progress "), 10, 64); err == nil {
				c.progress.Store(n)
			}
		case strings.HasPrefix(line, "result "):
			var r result
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "result ")), &r); err == nil {
				c.mu.Lock()
				c.res = &r
				c.mu.Unlock()
			}
		}
	}
	err := c.cmd.Wait()
	c.mu.Lock()
	c.waitErr = err
	c.exitedAt = time.Now()
	c.mu.Unlock()
	close(c.done)
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// waitProgress waits until the child reports progress of at least n (or
// has exited), under bound; it fails the test otherwise.
func (c *child) waitProgress(n int64, bound time.Duration) {
	c.t.Helper()
	cluster.WaitFor(c.t, bound, fmt.Sprintf("child %s to reach %d (at %d)", c.what, n, c.progress.Load()), func() bool {
		return c.progress.Load() >= n || c.exited()
	})
}

// wait waits for the child to end and returns its result; a child still
// running after bound is killed (it is hung in the mount) and fails the
// test, as does a child that ends without a result.
func (c *child) wait(bound time.Duration) *result {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(bound):
		c.kill()
		c.t.Fatalf("child %s still running after %v (progress %d): hung in the mount? killed", c.what, bound, c.progress.Load())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.res == nil {
		c.t.Fatalf("child %s ended without a result (%v); stderr:\n%s", c.what, c.waitErr, c.stderr.String())
	}
	if c.res.Err != "" {
		c.t.Fatalf("child %s: %s", c.what, c.res.Err)
	}
	return c.res
}

// kill ends the child with SIGKILL and waits for it (bounded: a process
// in a FUSE request dies on SIGKILL).
func (c *child) kill() {
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Kill()
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
	}
}

// runChild runs a child to its end under bound.
func runChild(t testing.TB, what string, j job, bound time.Duration) *result {
	t.Helper()
	return startChild(t, what, j).wait(bound)
}

// errnoName names the errno of err (EROFS); "" for success, the error's
// text when it carries no errno.
func errnoName(err error) string {
	if err == nil {
		return ""
	}
	var en syscall.Errno
	if errors.As(err, &en) {
		if name := unix.ErrnoName(en); name != "" {
			return name
		}
		return "errno-" + strconv.Itoa(int(en))
	}
	return "error: " + err.Error()
}
