package fusefs

import (
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func openRW(t *testing.T, p string) *os.File {
	t.Helper()
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	must(t, "open", err)
	t.Cleanup(func() { f.Close() })
	return f
}

func wrlock(start, length int64) *unix.Flock_t {
	return &unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: start, Len: length}
}

func TestOpenCloseWithoutLocksMakesNoFlush(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	must(t, "create", os.WriteFile(p, []byte("x"), 0o644))
	for i := 0; i < 20; i++ {
		f, err := os.Open(p)
		must(t, "open", err)
		must(t, "close", f.Close())
	}
	if c := vol.Calls("Flush"); c != 0 {
		t.Fatalf("%d Flush calls reached the volume without any lock", c)
	}
}

func TestLockConflictBetweenTwoDescriptors(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	f1, f2 := openRW(t, p), openRW(t, p)

	must(t, "OFD lock on fd1", unix.FcntlFlock(f1.Fd(), unix.F_OFD_SETLK, wrlock(0, 100)))
	err := unix.FcntlFlock(f2.Fd(), unix.F_OFD_SETLK, wrlock(50, 10))
	wantErrno(t, "conflicting OFD lock on fd2", err, syscall.EAGAIN)
	must(t, "lock beside it", unix.FcntlFlock(f2.Fd(), unix.F_OFD_SETLK, wrlock(100, 10)))

	q := wrlock(0, 0)
	must(t, "F_OFD_GETLK", unix.FcntlFlock(f2.Fd(), unix.F_OFD_GETLK, q))
	if q.Type != unix.F_WRLCK || q.Start != 0 || q.Len != 100 {
		t.Fatalf("F_OFD_GETLK reports %+v", q)
	}
	unlock := &unix.Flock_t{Type: unix.F_UNLCK, Start: 0, Len: 0}
	must(t, "unlock fd1", unix.FcntlFlock(f1.Fd(), unix.F_OFD_SETLK, unlock))
	must(t, "fd2 may lock now", unix.FcntlFlock(f2.Fd(), unix.F_OFD_SETLK, wrlock(0, 0)))
}

// close(2) of any descriptor of a file releases the process's POSIX
// locks on it, through one Flush with the lock owner.
func TestCloseReleasesPosixLocks(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	f1, other := openRW(t, p), openRW(t, p)
	must(t, "POSIX lock", unix.FcntlFlock(f1.Fd(), unix.F_SETLK, wrlock(0, 0)))
	err := unix.FcntlFlock(other.Fd(), unix.F_OFD_SETLK, wrlock(0, 1))
	wantErrno(t, "OFD lock against the process's lock", err, syscall.EAGAIN)

	f3, err := os.Open(p)
	must(t, "open a third descriptor", err)
	must(t, "close it", f3.Close())
	if c := vol.Calls("Flush"); c != 1 {
		t.Fatalf("%d Flush calls, want 1", c)
	}
	must(t, "lock after close released the POSIX lock", unix.FcntlFlock(other.Fd(), unix.F_OFD_SETLK, wrlock(0, 1)))
}

func TestFlock(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	f1 := openRW(t, p)
	f2, err := os.OpenFile(p, os.O_RDWR, 0)
	must(t, "open", err)
	defer f2.Close()
	must(t, "flock fd1", unix.Flock(int(f1.Fd()), unix.LOCK_EX|unix.LOCK_NB))
	wantErrno(t, "flock fd2", unix.Flock(int(f2.Fd()), unix.LOCK_EX|unix.LOCK_NB), syscall.EWOULDBLOCK)
	must(t, "shared lock on fd1", unix.Flock(int(f1.Fd()), unix.LOCK_SH))
	must(t, "shared lock on fd2", unix.Flock(int(f2.Fd()), unix.LOCK_SH|unix.LOCK_NB))
	must(t, "unlock fd2", unix.Flock(int(f2.Fd()), unix.LOCK_UN))
	must(t, "close fd1", f1.Close())
	eventually(t, "flock free after the holder closed", func() bool {
		return unix.Flock(int(f2.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
	})
}

// F_SETLKW waits for the lock; a signal interrupts the wait in the volume
// (the kernel restarts the call), and the unlock of the holder grants it.
func TestSetlkwWaitsAndHonoursInterrupts(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	f1, f2 := openRW(t, p), openRW(t, p)
	must(t, "hold", unix.FcntlFlock(f1.Fd(), unix.F_OFD_SETLK, wrlock(0, 0)))

	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	tid := make(chan int, 1)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tid <- unix.Gettid()
		done <- unix.FcntlFlock(f2.Fd(), unix.F_OFD_SETLKW, wrlock(0, 0))
	}()
	waiter := <-tid
	eventually(t, "the waiter reaches the volume", func() bool { return vol.Calls("Setlkw") > 0 })
	eventually(t, "a signal interrupts the wait in the volume", func() bool {
		_ = unix.Tgkill(os.Getpid(), waiter, syscall.SIGUSR1)
		return vol.Calls("SetlkwInterrupted") > 0
	})
	select {
	case err := <-done:
		t.Fatalf("F_SETLKW returned before the lock was free: %v", err)
	default:
	}
	must(t, "unlock", unix.FcntlFlock(f1.Fd(), unix.F_OFD_SETLK, &unix.Flock_t{Type: unix.F_UNLCK}))
	if err := <-done; err != nil && !errors.Is(err, syscall.EINTR) {
		t.Fatalf("F_SETLKW: %v", err)
	}
}

// A close by another thread of the process releases the process's POSIX
// locks too; an open-file-description lock survives the close of other
// descriptors.
func TestCloseFromAnotherThreadAndOFDLocks(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	f1, f2, checker := openRW(t, p), openRW(t, p), openRW(t, p)
	must(t, "OFD lock on fd2", unix.FcntlFlock(f2.Fd(), unix.F_OFD_SETLK, wrlock(10, 10)))
	locked := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		locked <- unix.FcntlFlock(f1.Fd(), unix.F_SETLK, wrlock(0, 5))
	}()
	must(t, "POSIX lock from another thread", <-locked)
	wantErrno(t, "POSIX lock held", unix.FcntlFlock(checker.Fd(), unix.F_OFD_SETLK, wrlock(0, 1)), syscall.EAGAIN)

	closed := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		f3, err := os.Open(p)
		if err == nil {
			err = f3.Close()
		}
		closed <- err
	}()
	must(t, "open and close on a third thread", <-closed)
	must(t, "POSIX lock released", unix.FcntlFlock(checker.Fd(), unix.F_OFD_SETLK, wrlock(0, 1)))
	wantErrno(t, "OFD lock kept", unix.FcntlFlock(checker.Fd(), unix.F_OFD_SETLK, wrlock(12, 1)), syscall.EAGAIN)
	if c := vol.Calls("Flush"); c != 1 {
		t.Fatalf("%d Flush calls, want 1", c)
	}
}
