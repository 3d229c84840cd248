package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/tests/cluster"
)

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

func TestBin(t *testing.T) {
	out, err := exec.Command(cluster.Bin(t), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "mortar ") {
		t.Fatalf("mortar version: %v: %q", err, out)
	}
}

// TestMountDistributes mounts three bricks, writes through the mount and
// checks the on-disk layout of DESIGN.md: every directory on every brick, a
// file at its volume path on exactly one brick, the internal .mortar/
// directory hidden from the mount. The data survives a remount.
func TestMountDistributes(t *testing.T) {
	cluster.RequireFUSE(t)
	bricks := cluster.StartBricks(t, 3)
	mnt := cluster.Mount(t, bricks, 1)

	if err := os.Mkdir(filepath.Join(mnt, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	const n = 60
	for i := 0; i < n; i++ {
		p := filepath.Join(mnt, "d", fmt.Sprintf("f%02d", i))
		if err := os.WriteFile(p, []byte(fmt.Sprintf("content %d", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	used := map[string]int{}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("f%02d", i)
		var on []string
		for _, b := range bricks {
			if _, err := os.Lstat(filepath.Join(b.Dir, "d", name)); err == nil {
				on = append(on, b.Name)
			}
		}
		if len(on) != 1 {
			t.Errorf("d/%s is on bricks %v, want exactly one", name, on)
			continue
		}
		used[on[0]]++
	}
	if len(used) != len(bricks) {
		t.Errorf("%d files landed on %d of %d bricks (%v): placement does not spread", n, len(used), len(bricks), used)
	}
	for _, b := range bricks {
		if fi, err := os.Stat(filepath.Join(b.Dir, "d")); err != nil || !fi.IsDir() {
			t.Errorf("directory d missing on brick %s: %v", b.Name, err)
		}
	}
	ents, err := os.ReadDir(mnt)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "d" && e.Name() != "lost+found" {
			t.Errorf("mount root lists %q; want only d (internal directories must be hidden)", e.Name())
		}
	}

	cluster.Unmount(t, mnt)
	mnt = cluster.Mount(t, bricks, 1)
	for i := 0; i < n; i++ {
		p := filepath.Join(mnt, "d", fmt.Sprintf("f%02d", i))
		data, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("after remount: %v", err)
		} else if want := fmt.Sprintf("content %d", i); string(data) != want {
			t.Errorf("after remount %s holds %q, want %q", p, data, want)
		}
	}
}

// TestBrickRestart kills the server of the brick that holds a file: reading
// the file must fail within seconds rather than hang, and succeed again once
// the brick is back (the client reconnects by itself).
func TestBrickRestart(t *testing.T) {
	cluster.RequireFUSE(t)
	bricks := cluster.StartBricks(t, 3)
	mnt := cluster.Mount(t, bricks, 1)
	p := filepath.Join(mnt, "file")
	if err := os.WriteFile(p, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var holder *cluster.Brick
	for _, b := range bricks {
		if _, err := os.Stat(filepath.Join(b.Dir, "file")); err == nil {
			holder = b
		}
	}
	if holder == nil {
		t.Fatal("file is on no brick")
	}
	holder.Kill()
	// Out of process: a hung read must not hang the test binary.
	start := time.Now()
	out, err := catWithin(p, 20*time.Second)
	if err == nil {
		t.Errorf("cat %s succeeded with its brick %s down: %q", p, holder.Name, out)
	} else if time.Since(start) > 10*time.Second {
		t.Errorf("cat %s with its brick down took %v to fail (%v); want a few seconds", p, time.Since(start).Round(time.Second), err)
	}
	holder.Restart()
	var got string
	cluster.WaitFor(t, 30*time.Second, "reading the file after the brick restarted", func() bool {
		got, err = catWithin(p, 10*time.Second)
		return err == nil
	})
	if got != "hello\n" {
		t.Errorf("after restart: %q, want %q", got, "hello\n")
	}
}

func catWithin(path string, bound time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, "cat", path)
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return string(out), fmt.Errorf("hung for %v: %w", bound, ctx.Err())
	}
	return string(out), err
}

// TestTmpfsBrick: a brick served from a small tmpfs of its own fills up
// (ENOSPC), and the brick server works there (its brick.json is written).
func TestTmpfsBrick(t *testing.T) {
	cluster.RequireFUSE(t)
	b := cluster.StartBrickOnTmpfs(t, "b1", 4<<20)
	if _, err := cluster.BrickID(b.Dir); err != nil {
		t.Fatalf("brick on tmpfs: %v", err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(b.Dir, &st); err != nil {
		t.Fatal(err)
	}
	if total := st.Blocks * uint64(st.Bsize); total != 4<<20 {
		t.Errorf("the brick's file system holds %d bytes, want %d", total, 4<<20)
	}
	f, err := os.Create(filepath.Join(b.Dir, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = f.Write(make([]byte, 8<<20))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("writing 8 MiB into a 4 MiB brick: %v, want ENOSPC", err)
	}
	b.Kill()
	b.Restart()
}

// TestKillMount: the mount daemon dies with SIGKILL; the mountpoint is
// dead (ECONNABORTED, then ENOTCONN) and the cleanup unmounts it.
func TestKillMount(t *testing.T) {
	cluster.RequireFUSE(t)
	bricks := cluster.StartBricks(t, 1)
	mnt := cluster.Mount(t, bricks, 1)
	pid := cluster.MountPid(t, mnt)
	cluster.KillMount(t, mnt)
	if err := syscall.Kill(pid, 0); err == nil {
		if data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); !strings.Contains(string(data), ") Z") {
			t.Errorf("mount daemon %d alive after KillMount", pid)
		}
	}
	// The kernel aborts the connection when the last thread of the daemon
	// has closed /dev/fuse, which may follow the leader's death by a
	// moment: until then a request can fail otherwise (EIO has been seen
	// under load), but none may succeed, and ENOTCONN must follow.
	cluster.WaitFor(t, 5*time.Second, "ENOTCONN or ECONNABORTED from a mount whose daemon died", func() bool {
		_, err := os.Stat(filepath.Join(mnt, "x"))
		if err == nil {
			t.Fatal("stat in a mount whose daemon died succeeded")
		}
		return errors.Is(err, syscall.ENOTCONN) || errors.Is(err, syscall.ECONNABORTED)
	})
}
