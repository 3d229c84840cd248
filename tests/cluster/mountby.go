package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Result is what a command printed and its exit status.
type Result struct {
	Stdout, Stderr string
	Code           int
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// Run runs argv (argv[0] found in PATH, or a path) within bound and returns
// its output and status; it fails t only when the command cannot start or
// outlives bound. argv0, when not empty, is the program name the command
// sees (mount.mortar). Output goes to files, never pipes: a mount daemon
// the command leaves behind may keep them open.
func Run(t testing.TB, bound time.Duration, argv0 string, argv ...string) Result {
	t.Helper()
	dir := t.TempDir()
	outf, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer outf.Close()
	errf, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if argv0 != "" {
		cmd.Args[0] = argv0
	}
	cmd.Stdout, cmd.Stderr = outf, errf
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	var ee *exec.ExitError
	r := Result{}
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s: still running after %v", quoteArgs(argv), bound)
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", quoteArgs(argv), err)
	}
	out, _ := os.ReadFile(outf.Name())
	errb, _ := os.ReadFile(errf.Name())
	r.Stdout, r.Stderr = string(out), string(errb)
	return r
}

// MountHelper runs the mortar binary as mount.mortar with args, as
// mount(8) does, and returns its result. A mount it makes is not tracked:
// pass its mountpoint to TrackMount.
func MountHelper(t testing.TB, args ...string) Result {
	t.Helper()
	return Run(t, mountBound, "mount.mortar", append([]string{Bin(t)}, args...)...)
}

// NewMountpoint returns a new empty directory for a mount and the path of
// a log file next to it (printed when the test fails).
func NewMountpoint(t testing.TB) (mnt, log string) {
	t.Helper()
	base := TempDir(t)
	mnt = filepath.Join(base, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	log = filepath.Join(base, "mount.log")
	logOnFailure(t, "mount daemon "+mnt, log)
	return mnt, log
}

// MountByName mounts the volume source (HOST:/VOLUME) with mount.mortar
// at a new mountpoint and returns it; the harness adds -o log-file. It is
// unmounted, with Mount's checks, when the test ends.
func MountByName(t testing.TB, source string, opts ...string) string {
	t.Helper()
	RequireFUSE(t)
	mnt, log := NewMountpoint(t)
	opts = append(opts, "log-file="+log)
	r := MountHelper(t, source, mnt, "-o", strings.Join(opts, ","))
	if r.Code != 0 {
		t.Fatalf("mount.mortar %s %s: %s", source, mnt, r)
	}
	TrackMount(t, mnt)
	return mnt
}

// MountLog is the log of the mount daemon of a mountpoint made by
// NewMountpoint (MountByName).
func MountLog(mnt string) string { return filepath.Join(filepath.Dir(mnt), "mount.log") }

// TrackMount checks that mnt became a FUSE mount (bounded) and has it
// unmounted, with Mount's checks, when the test ends: for mounts made by
// other commands (mount -t mortar, mount -a).
func TrackMount(t testing.TB, mnt string) {
	t.Helper()
	t.Cleanup(func() { unmount(t, mnt) })
	if !waitFor(mountedBound, func() bool { return Mounted(mnt) }) {
		t.Fatalf("%s is not a FUSE mount within %v", mnt, mountedBound)
	}
	abortNearDeadline(t, mnt)
	mounts.Lock()
	if mounts.m == nil {
		mounts.m = map[string]bool{}
	}
	mounts.m[mnt] = true
	mounts.Unlock()
}
