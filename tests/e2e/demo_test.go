package e2e

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/tests/cluster"
)

// demoBound bounds one run of the demo script.
const demoBound = 2 * time.Minute

// TestDemo runs the script behind `make demo` into a temporary directory
// and follows what it prints: a pool of three on 127.0.0.1-3, volume demo
// mounted with a copy of each file on every brick, a peer killed while
// writes go on, `make demo` again bringing it back and heal info draining,
// and `make demo-stop` leaving no mount and no daemon behind.
func TestDemo(t *testing.T) {
	cluster.RequireFUSE(t)
	for _, h := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"} {
		for _, port := range []int{7420, 7421} {
			ln, err := net.Listen("tcp", net.JoinHostPort(h, strconv.Itoa(port)))
			if err != nil {
				t.Skipf("%s:%d is in use (is `make demo` running here?): %v", h, port, err)
			}
			ln.Close()
		}
	}
	bin, script, dir := cluster.Bin(t), filepath.Join("..", "demo.sh"), cluster.TempDir(t)
	mnt := filepath.Join(dir, "mnt")
	demo := func(verb string) cluster.Result {
		t.Helper()
		r := cluster.Run(t, demoBound, "", "bash", script, verb, bin, dir)
		if r.Code != 0 {
			t.Fatalf("demo.sh %s: %s", verb, r)
		}
		return r
	}
	t.Cleanup(func() { cluster.Run(t, demoBound, "", "bash", script, "stop", bin, dir) })
	if r := demo("start"); !strings.Contains(r.Stdout, "mounted at "+mnt) {
		t.Errorf("demo.sh start says:\n%s", r.Stdout)
	}
	pools := cluster.Run(t, time.Minute, "", bin, "pool", "list", "--remote-host", "127.0.0.1")
	if pools.Code != 0 || strings.Count(pools.Stdout, "Connected") != 3 {
		t.Errorf("pool list of the demo: %s", pools)
	}

	hello := []byte("hello\n")
	if err := os.WriteFile(filepath.Join(mnt, "hello"), hello, 0o644); err != nil {
		t.Fatal(err)
	}
	bricks := []string{filepath.Join(dir, "bricks", "b1"), filepath.Join(dir, "bricks", "b2"), filepath.Join(dir, "bricks", "b3")}
	for _, b := range bricks {
		if got, err := os.ReadFile(filepath.Join(b, "hello")); err != nil || !bytes.Equal(got, hello) {
			t.Errorf("copy on brick %s: %q, %v", b, got, err)
		}
	}

	pid1, pid2, pid3 := demoPid(t, dir, 1), demoPid(t, dir, 2), demoPid(t, dir, 3)
	if err := syscall.Kill(pid3, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	cluster.WaitFor(t, stallBound, "peer 3 to exit", func() bool { return syscall.Kill(pid3, 0) != nil })
	writeTree(t, mnt, "while-down", 20)

	demo("start")
	if demoPid(t, dir, 3) == pid3 {
		t.Errorf("demo.sh start again: peer 3 not restarted")
	}
	if demoPid(t, dir, 1) != pid1 || demoPid(t, dir, 2) != pid2 || !cluster.Mounted(mnt) {
		t.Errorf("demo.sh start again restarted peers 1 or 2, or the mount: it must start only what is not running")
	}
	cluster.WaitFor(t, healBound, "heal info of the demo to drain", func() bool {
		r := cluster.Run(t, time.Minute, "", bin, "volume", "heal", "demo", "info", "--json", "--remote-host", "127.0.0.1")
		info, err := cluster.ParseHealInfo([]byte(r.Stdout))
		return r.Code == 0 && err == nil && info.Clean()
	})
	checkTree(t, mnt, "while-down", 20)

	pids := []int{demoPid(t, dir, 1), demoPid(t, dir, 2), demoPid(t, dir, 3)}
	demo("stop")
	if cluster.Mounted(mnt) {
		t.Errorf("%s still mounted after demo.sh stop", mnt)
	}
	for i, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("daemon %d (pid %d) still running after demo.sh stop", i+1, pid)
		}
	}
	cluster.CompareBricks(t, bricks...)
}

func demoPid(t *testing.T, dir string, i int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "peer"+strconv.Itoa(i), "daemon.pid"))
	if err != nil {
		t.Fatalf("pid of demo daemon %d: %v", i, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid of demo daemon %d: %v", i, err)
	}
	return pid
}
