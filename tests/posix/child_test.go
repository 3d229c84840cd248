package posix

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A child is the test binary re-executed in helper mode: it reads requests
// (one JSON object a line) on stdin, makes the system call, and answers with
// the errno and results on stdout. Children run checks that need another
// process (locks) or other credentials (EACCES, EPERM as uid 65534).

const (
	childEnv   = "MORTAR_POSIX_CHILD"
	nobody     = 65534
	nogroup    = 65534
	childBound = 60 * time.Second // one request's answer
)

type request struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Path2 string `json:"path2,omitempty"`
	Flags int    `json:"flags,omitempty"`
	Mode  uint32 `json:"mode,omitempty"`
	Fd    int    `json:"fd,omitempty"`
	Off   int64  `json:"off,omitempty"`
	Len   int64  `json:"len,omitempty"`
	N     int    `json:"n,omitempty"`
	Uid   int    `json:"uid,omitempty"`
	Gid   int    `json:"gid,omitempty"`
	Data  []byte `json:"data,omitempty"`
}

type reply struct {
	Errno int    `json:"errno"`
	Fd    int    `json:"fd,omitempty"`
	N     int64  `json:"n,omitempty"`
	Pid   int    `json:"pid,omitempty"`
	Start int64  `json:"start,omitempty"`
	Len   int64  `json:"len,omitempty"`
	Uid   int    `json:"uid,omitempty"`
	Gid   int    `json:"gid,omitempty"`
	Data  []byte `json:"data,omitempty"`
	Msg   string `json:"msg,omitempty"`
}

// err returns the reply's errno as an error (nil for success).
func (r reply) err() error {
	if r.Errno == 0 {
		return nil
	}
	return unix.Errno(r.Errno)
}

type child struct {
	t       testing.TB
	name    string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	replies chan reply
	pid     int

	mu     sync.Mutex
	stderr bytes.Buffer
}

// childBin is the test binary as a file every user can execute: go test
// builds it in a directory only root can search.
var childBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func childBinary() (string, error) {
	childBin.once.Do(func() {
		self, err := os.Executable()
		if err != nil {
			childBin.err = err
			return
		}
		dir, err := os.MkdirTemp("", "mortar-posix-child-")
		if err != nil {
			childBin.err = err
			return
		}
		childBin.dir = dir
		dst := filepath.Join(dir, "posix.test")
		if err := copyFile(self, dst, 0o755); err != nil {
			childBin.err = err
			return
		}
		childBin.err = os.Chmod(dir, 0o755)
		childBin.path = dst
	})
	return childBin.path, childBin.err
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func removeChildBinary() {
	if childBin.dir != "" {
		os.RemoveAll(childBin.dir)
	}
}

// asRoot starts a helper process with the test's credentials.
func asRoot(t testing.TB) *child {
	t.Helper()
	return spawn(t, "root child", nil, "/")
}

// asNobody starts a helper process as uid 65534, gid 65534, and the given
// supplementary groups (none by default).
func asNobody(t testing.TB, groups ...uint32) *child {
	t.Helper()
	name := "uid 65534"
	if len(groups) > 0 {
		name = fmt.Sprintf("uid 65534 groups %v", groups)
	}
	return spawn(t, name, &syscall.Credential{Uid: nobody, Gid: nogroup, Groups: append([]uint32{}, groups...)}, "/")
}

// spawn starts a helper process with the given credentials (nil: the test's)
// and working directory. It is ended when the test ends.
func spawn(t testing.TB, name string, cred *syscall.Credential, dir string) *child {
	t.Helper()
	bin, err := childBinary()
	if err != nil {
		t.Fatalf("preparing the helper binary: %v", err)
	}
	c := &child{t: t, name: name, replies: make(chan reply, 16)}
	c.cmd = exec.Command(bin, "-test.run=^$")
	c.cmd.Env = append(os.Environ(), childEnv+"=1")
	c.cmd.Dir = dir
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	c.cmd.Stderr = lockedWriter{&c.mu, &c.stderr}
	c.stdin, err = c.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("starting helper process (%s): %v", name, err)
	}
	c.pid = c.cmd.Process.Pid
	go func() {
		defer close(c.replies)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			var r reply
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				r = reply{Errno: -1, Msg: "bad reply: " + sc.Text()}
			}
			c.replies <- r
		}
	}()
	t.Cleanup(c.stop)
	return c
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// stop closes the child's stdin, which ends it, and waits for it.
func (c *child) stop() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := strings.TrimSpace(c.stderr.String()); s != "" && c.t.Failed() {
		c.t.Logf("stderr of helper process (%s):\n%s", c.name, s)
	}
}

// kill ends the child with SIGKILL and waits for it to be reaped.
func (c *child) kill() {
	c.t.Helper()
	c.cmd.Process.Kill()
	for range c.replies {
	}
	c.cmd.Wait()
}

// exit makes the child exit normally (closing its files as exit does) and
// waits until it is reaped.
func (c *child) exit() {
	c.t.Helper()
	c.send(request{Op: "exit"})
	for range c.replies {
	}
	c.cmd.Wait()
}

// send sends a request without waiting for the answer; recv gets it.
func (c *child) send(r request) {
	c.t.Helper()
	line, err := json.Marshal(r)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.stdin.Write(append(line, '\n')); err != nil {
		c.t.Fatalf("helper process (%s): sending %s: %v", c.name, r.Op, err)
	}
}

// recv waits for the answer to the oldest request not yet answered.
func (c *child) recv() reply {
	c.t.Helper()
	select {
	case r, ok := <-c.replies:
		if !ok {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.t.Fatalf("helper process (%s) exited: %s", c.name, c.stderr.String())
		}
		if r.Errno < 0 {
			c.t.Fatalf("helper process (%s): %s", c.name, r.Msg)
		}
		return r
	case <-time.After(childBound):
		c.t.Fatalf("helper process (%s): no answer in %v (a call hung?)", c.name, childBound)
	}
	panic("unreachable")
}

// do sends a request and waits for its answer.
func (c *child) do(r request) reply {
	c.t.Helper()
	c.send(r)
	return c.recv()
}

// Shorthands for the common requests.

func (c *child) open(p string, flags int, mode uint32) (int, error) {
	c.t.Helper()
	r := c.do(request{Op: "open", Path: p, Flags: flags, Mode: mode})
	return r.Fd, r.err()
}

func (c *child) mustOpen(p string, flags int, mode uint32) int {
	c.t.Helper()
	fd, err := c.open(p, flags, mode)
	must(c.t, err, op(c.name+": open", p, flagString(flags)))
	return fd
}

func (c *child) call(name string, p ...string) error {
	c.t.Helper()
	r := request{Op: name}
	if len(p) > 0 {
		r.Path = p[0]
	}
	if len(p) > 1 {
		r.Path2 = p[1]
	}
	return c.do(r).err()
}

// waitInSyscall waits until a thread of process pid is blocked in system
// call nr (read from /proc/PID/task/TID/syscall).
func waitInSyscall(t testing.TB, pid int, nr uintptr, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	prefix := strconv.Itoa(int(nr)) + " "
	for time.Now().Before(deadline) {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
		for _, p := range tasks {
			data, err := os.ReadFile(p)
			if err == nil && strings.HasPrefix(string(data), prefix) {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("process %d never blocked in %s within 10s", pid, what)
}

// childMain is the helper mode's main loop.
func childMain() int {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	enc := json.NewEncoder(os.Stdout)
	for sc.Scan() {
		var req request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			enc.Encode(reply{Errno: -1, Msg: err.Error()})
			continue
		}
		rep := serve(req)
		if err := enc.Encode(rep); err != nil {
			return 1
		}
	}
	return 0
}

func errnoInt(err error) int {
	if err == nil {
		return 0
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return int(e)
	}
	return int(unix.EIO)
}

// serve makes one request's system call in the helper process.
func serve(q request) reply {
	var r reply
	var err error
	switch q.Op {
	case "pid":
		r.Pid = os.Getpid()
	case "exit":
		os.Exit(0)
	case "open":
		r.Fd, err = unix.Open(q.Path, q.Flags|unix.O_CLOEXEC, q.Mode)
	case "close":
		err = unix.Close(q.Fd)
	case "read":
		buf := make([]byte, q.Len)
		var n int
		n, err = unix.Pread(q.Fd, buf, q.Off)
		if n > 0 {
			r.Data = buf[:n]
		}
	case "write":
		var n int
		if q.Off < 0 {
			n, err = unix.Write(q.Fd, q.Data)
		} else {
			n, err = unix.Pwrite(q.Fd, q.Data, q.Off)
		}
		r.N = int64(n)
	case "stat":
		var st unix.Stat_t
		err = unix.Lstat(q.Path, &st)
		r.N, r.Uid, r.Gid = int64(st.Mode), int(st.Uid), int(st.Gid)
	case "mkdir":
		err = unix.Mkdir(q.Path, q.Mode)
	case "rmdir":
		err = unix.Rmdir(q.Path)
	case "unlink":
		err = unix.Unlink(q.Path)
	case "rename":
		err = unix.Renameat2(unix.AT_FDCWD, q.Path, unix.AT_FDCWD, q.Path2, uint(q.Flags))
	case "link":
		err = unix.Link(q.Path, q.Path2)
	case "symlink":
		err = unix.Symlink(q.Path, q.Path2)
	case "mknod":
		err = unix.Mknod(q.Path, q.Mode, int(q.Off))
	case "chmod":
		err = unix.Chmod(q.Path, q.Mode)
	case "chown":
		err = unix.Lchown(q.Path, q.Uid, q.Gid)
	case "truncate":
		err = unix.Truncate(q.Path, q.Len)
	case "utimens_now":
		ts := []unix.Timespec{{Nsec: unix.UTIME_NOW}, {Nsec: unix.UTIME_NOW}}
		err = unix.UtimesNanoAt(unix.AT_FDCWD, q.Path, ts, 0)
	case "utimens":
		ts := []unix.Timespec{{Sec: q.Off}, {Sec: q.Off}}
		err = unix.UtimesNanoAt(unix.AT_FDCWD, q.Path, ts, 0)
	case "setxattr":
		err = unix.Lsetxattr(q.Path, q.Path2, q.Data, q.Flags)
	case "getxattr":
		buf := make([]byte, 64<<10)
		var n int
		n, err = unix.Lgetxattr(q.Path, q.Path2, buf)
		if n > 0 {
			r.Data = buf[:n]
		}
	case "access":
		err = unix.Faccessat(unix.AT_FDCWD, q.Path, q.Mode, 0)
	case "opendir":
		var fd int
		fd, err = unix.Open(q.Path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err == nil {
			unix.Close(fd)
		}
	case "umask":
		r.N = int64(unix.Umask(int(q.Mode)))
	case "exec":
		r.N, err = childExec(q.Path)
	case "setlk", "setlkw", "getlk":
		r, err = childLock(q)
	case "flock":
		err = unix.Flock(q.Fd, q.Flags)
	case "append":
		err = childAppend(q)
	case "bindconnect":
		err = childBindConnect(q.Path)
	default:
		return reply{Errno: -1, Msg: "unknown op " + q.Op}
	}
	r.Errno = errnoInt(err)
	return r
}

// childExec runs a program and returns its exit status.
func childExec(path string) (int64, error) {
	cmd := exec.Command(path)
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return int64(ee.ExitCode()), nil
	}
	return 0, err
}

func childLock(q request) (reply, error) {
	lk := unix.Flock_t{Type: int16(q.Flags), Whence: io.SeekStart, Start: q.Off, Len: q.Len}
	cmd := map[string]int{"setlk": unix.F_SETLK, "setlkw": unix.F_SETLKW, "getlk": unix.F_GETLK}[q.Op]
	err := unix.FcntlFlock(uintptr(q.Fd), cmd, &lk)
	return reply{N: int64(lk.Type), Pid: int(lk.Pid), Start: lk.Start, Len: lk.Len}, err
}

// childAppend writes q.N records through an O_APPEND descriptor of its own:
// each record is q.Data followed by the record's number and padded to
// q.Len bytes with a final newline.
func childAppend(q request) error {
	fd, err := unix.Open(q.Path, unix.O_WRONLY|unix.O_APPEND|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for i := 0; i < q.N; i++ {
		rec := appendRecord(string(q.Data), i, int(q.Len))
		n, err := unix.Write(fd, rec)
		if err != nil {
			return err
		}
		if n != len(rec) {
			return unix.EIO
		}
	}
	return nil
}

func appendRecord(who string, i, size int) []byte {
	rec := []byte(fmt.Sprintf("%s %06d ", who, i))
	for len(rec) < size-1 {
		rec = append(rec, '.')
	}
	return append(rec, '\n')
}

// childBindConnect binds a unix socket at path (relative to the child's
// working directory: socket addresses are short), connects to it and
// exchanges a byte.
func childBindConnect(path string) error {
	ls, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(ls)
	if err := unix.Bind(ls, &unix.SockaddrUnix{Name: path}); err != nil {
		return err
	}
	if err := unix.Listen(ls, 1); err != nil {
		return err
	}
	cs, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(cs)
	if err := unix.Connect(cs, &unix.SockaddrUnix{Name: path}); err != nil {
		return err
	}
	as, _, err := unix.Accept4(ls, unix.SOCK_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(as)
	if _, err := unix.Write(cs, []byte("x")); err != nil {
		return err
	}
	buf := make([]byte, 1)
	if n, err := unix.Read(as, buf); err != nil || n != 1 || buf[0] != 'x' {
		if err == nil {
			err = unix.EIO
		}
		return err
	}
	return nil
}
