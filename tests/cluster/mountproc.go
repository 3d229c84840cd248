package cluster

import (
	"syscall"
	"testing"
	"time"
)

// mountKillBound is how long a SIGKILLed mount daemon may take to die.
const mountKillBound = 15 * time.Second

// MountPid returns the pid of the daemon serving the mountpoint mnt (made
// by Mount): the process whose command line is `mortar mount ... MNT`. It
// fails the test unless there is exactly one.
func MountPid(t testing.TB, mnt string) int {
	t.Helper()
	pids := mountDaemons(mnt)
	if len(pids) != 1 {
		t.Fatalf("want one mount daemon serving %s, found pids %v", mnt, pids)
	}
	return pids[0]
}

// KillMount kills the daemon serving mnt with SIGKILL, as a client that
// crashes, and waits until it is gone: its connections to the bricks are
// closed by the kernel. The mountpoint stays, dead (ECONNABORTED, then
// ENOTCONN), until Unmount or the test's cleanup removes it; end the
// processes that use it first.
func KillMount(t testing.TB, mnt string) {
	t.Helper()
	pid := MountPid(t, mnt)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d (mount daemon of %s): %v", pid, mnt, err)
	}
	if !waitFor(mountKillBound, func() bool { return !alive(pid) }) {
		t.Fatalf("mount daemon %d of %s still alive %v after SIGKILL", pid, mnt, mountKillBound)
	}
}
