package cluster

import (
	"bufio"
	"context"
	"fmt"
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

// Bounds of a mount's life cycle.
const (
	mountBound       = 60 * time.Second // mortar mount returning
	mountedBound     = 10 * time.Second // the mountpoint showing up after it returned
	unmountBusyBound = 10 * time.Second // retrying umount while the mount is busy
	daemonExitBound  = 15 * time.Second // the mount daemon exiting after umount
)

// mounts are the mountpoints made by Mount and not yet unmounted.
var mounts struct {
	sync.Mutex
	m map[string]bool
}

// Mount mounts a volume made of bricks (consecutive groups of replica bricks
// form a replica set) and returns the mountpoint. opts are mount options
// passed with -o (attribute-timeout=1, ro, ...); the harness adds
// log-file=PATH. The volume is unmounted when the test ends.
func Mount(t testing.TB, bricks []*Brick, replica int, opts ...string) string {
	t.Helper()
	return MountSpecs(t, Specs(bricks), []string{"--replica", strconv.Itoa(replica)}, opts...)
}

// Specs returns the specs (ADDR/NAME) of bricks or proxies, in order.
func Specs[S interface{ Spec() string }](bricks []S) []string {
	specs := make([]string, len(bricks))
	for i, b := range bricks {
		specs[i] = b.Spec()
	}
	return specs
}

// MountSpecs mounts the volume of the bricks named by specs (ADDR/NAME, in
// volume order) with the command-line flags given (--replica N, --arbiter
// 1) and the -o options opts; the rest is as Mount.
func MountSpecs(t testing.TB, specs []string, flags []string, opts ...string) string {
	t.Helper()
	RequireFUSE(t)
	bin := Bin(t)
	base := TempDir(t)
	mnt := filepath.Join(base, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	cmdLog := filepath.Join(base, "mount-command.log")
	daemonLog := filepath.Join(base, "mount.log")
	logOnFailure(t, "mount daemon "+mnt, daemonLog)
	logOnFailure(t, "mount command "+mnt, cmdLog)
	t.Cleanup(func() { unmount(t, mnt) })

	hasLog := false
	for _, o := range opts {
		hasLog = hasLog || strings.HasPrefix(o, "log-file=")
	}
	if !hasLog {
		opts = append(opts, "log-file="+daemonLog)
	}
	args := append([]string{"mount", "--bricks", strings.Join(specs, ",")}, flags...)
	if len(opts) > 0 {
		args = append(args, "-o", strings.Join(opts, ","))
	}
	args = append(args, mnt)

	logf, err := os.Create(cmdLog)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== %s %s\n", bin, quoteArgs(args))
	ctx, cancel := context.WithTimeout(context.Background(), mountBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	// Output goes to a file, never a pipe: the daemon the command leaves
	// behind may keep its stdout open, and Wait would wait for it.
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v (within %v)\n%s", bin, quoteArgs(args), err, mountBound, Tail(cmdLog, 30))
	}
	if !waitFor(mountedBound, func() bool { return Mounted(mnt) }) {
		t.Fatalf("%s %s returned 0 but %s is not a FUSE mount within %v (st_dev unchanged or not in mountinfo)",
			bin, quoteArgs(args), mnt, mountedBound)
	}
	abortNearDeadline(t, mnt)
	mounts.Lock()
	if mounts.m == nil {
		mounts.m = map[string]bool{}
	}
	mounts.m[mnt] = true
	mounts.Unlock()
	return mnt
}

// abortNearDeadline aborts the mount's FUSE connection shortly before the
// test binary's deadline: a request hung in the mount then fails with
// ENOTCONN and the test reports it, instead of the binary panicking with
// no cleanup (and leaving the mount behind).
func abortNearDeadline(t testing.TB, mnt string) {
	d, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return
	}
	deadline, ok := d.Deadline()
	if !ok {
		return
	}
	timer := time.AfterFunc(time.Until(deadline)-30*time.Second, func() {
		fmt.Fprintf(os.Stderr, "cluster: test deadline near: aborting the FUSE connection of %s (a request is hung?)\n", mnt)
		if err := Abort(mnt); err != nil {
			fmt.Fprintf(os.Stderr, "cluster: abort %s: %v\n", mnt, err)
		}
	})
	t.Cleanup(func() { timer.Stop() })
}

// Unmount unmounts a mountpoint made by Mount before the test ends, with
// the checks of Mount's cleanup.
func Unmount(t testing.TB, mnt string) {
	t.Helper()
	unmount(t, mnt)
}

func unmount(t testing.TB, mnt string) {
	t.Helper()
	mounts.Lock()
	delete(mounts.m, mnt)
	mounts.Unlock()
	if !inMountinfo(mnt) {
		return
	}
	pids := mountDaemons(mnt)
	var out []byte
	var err error
	ok := waitFor(unmountBusyBound, func() bool {
		out, err = exec.Command("umount", mnt).CombinedOutput()
		return err == nil || !inMountinfo(mnt)
	})
	if !ok {
		t.Errorf("umount %s failed for %v (%v: %s): leftover mount, unmounting lazily", mnt, unmountBusyBound, err, strings.TrimSpace(string(out)))
		if out, err := exec.Command("umount", "-l", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount -l %s: %v: %s", mnt, err, out)
		}
	}
	if inMountinfo(mnt) {
		t.Errorf("%s is still mounted after umount", mnt)
		return
	}
	// umount must end the daemon that served the mount.
	for _, pid := range pids {
		if !waitFor(daemonExitBound, func() bool { return !alive(pid) }) {
			t.Errorf("mount daemon pid %d for %s still running %v after umount: killing it", pid, mnt, daemonExitBound)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// Mounted reports whether mnt is a mountpoint now: another device than
// its parent's, and listed in /proc/self/mountinfo.
func Mounted(mnt string) bool {
	var st, pst syscall.Stat_t
	if syscall.Stat(mnt, &st) != nil || syscall.Stat(filepath.Dir(mnt), &pst) != nil {
		return false
	}
	return st.Dev != pst.Dev && inMountinfo(mnt)
}

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct {
	Point  string
	FSType string
	Minor  int // of st_dev: the FUSE connection number
}

func mountinfo() []mountEntry {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var ms []mountEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" {
				sep = i
				break
			}
		}
		if len(fields) < 5 || sep < 0 || sep+1 >= len(fields) {
			continue
		}
		e := mountEntry{Point: unescapeMountinfo(fields[4]), FSType: fields[sep+1]}
		if _, minor, ok := strings.Cut(fields[2], ":"); ok {
			e.Minor, _ = strconv.Atoi(minor)
		}
		ms = append(ms, e)
	}
	return ms
}

// unescapeMountinfo undoes the octal escapes (\040 for space) of mountinfo.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func inMountinfo(mnt string) bool {
	for _, e := range mountinfo() {
		if e.Point == mnt {
			return true
		}
	}
	return false
}

// mountDaemons finds the processes serving mnt: processes other than this
// one whose command line has "mount" (or is mount.mortar) and mnt as
// arguments.
func mountDaemons(mnt string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		isMount, hasMnt := false, false
		for _, arg := range strings.Split(string(cmdline), "\x00") {
			isMount = isMount || arg == "mount" || filepath.Base(arg) == "mount.mortar"
			hasMnt = hasMnt || arg == mnt
		}
		if isMount && hasMnt {
			pids = append(pids, pid)
		}
	}
	return pids
}

func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: a zombie has exited.
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// Abort aborts the FUSE connection of a mountpoint made by Mount, through
// the fusectl file system: every request in flight and every later one
// fails with ENOTCONN. It is the way out of a hung mount.
func Abort(mnt string) error {
	minor := -1
	for _, e := range mountinfo() {
		if e.Point == mnt {
			minor = e.Minor
		}
	}
	if minor < 0 {
		return fmt.Errorf("%s is not mounted", mnt)
	}
	const ctl = "/sys/fs/fuse/connections"
	if _, err := os.Stat(filepath.Join(ctl, strconv.Itoa(minor))); err != nil {
		// fusectl may not be mounted yet.
		_ = exec.Command("mount", "-t", "fusectl", "fusectl", ctl).Run()
	}
	return os.WriteFile(filepath.Join(ctl, strconv.Itoa(minor), "abort"), []byte("1"), 0)
}
