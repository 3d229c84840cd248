package fusefs

import (
	"bytes"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/fusefs/internal/memvol"
)

// writeHeld creates p on a mount whose volume holds every Write, and
// writes data through the returned descriptor: the write(2) must return
// although the volume has not made it.
func writeHeld(t *testing.T, p string, data []byte, release func(), flags int) int {
	t.Helper()
	fd, err := unix.Open(p, unix.O_CREAT|unix.O_WRONLY|flags, 0o644)
	must(t, "create", err)
	done := make(chan error, 1)
	go func() {
		_, err := unix.Write(fd, data)
		done <- err
	}()
	select {
	case err := <-done:
		must(t, "write behind", err)
	case <-time.After(10 * time.Second):
		release()
		t.Fatalf("write(2) waited for the volume: no write-behind")
	}
	return fd
}

// returnsWithin reports whether ch delivers within d. It checks that
// something does NOT happen while the volume is held, so it can only
// fail a broken implementation, never a correct one.
func returnsWithin[T any](ch <-chan T, d time.Duration) (T, bool) {
	select {
	case v := <-ch:
		return v, true
	case <-time.After(d):
		var zero T
		return zero, false
	}
}

// mountHeldWrite mounts a volume that holds every Write, and writes data
// behind to a new file: it returns the file's path, the descriptor, and
// the release of the hold, with the write waiting at the volume.
func mountHeldWrite(t *testing.T, data string) (string, *memvol.Vol, int, func()) {
	t.Helper()
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	release := vol.Hold("Write")
	fd := writeHeld(t, p, []byte(data), release, 0)
	eventually(t, "the write reaches the volume", func() bool { return vol.Held("Write") == 1 })
	return p, vol, fd, release
}

func TestWriteBehindAnswersFirstAndStatWaits(t *testing.T) {
	p, _, fd, release := mountHeldWrite(t, "written behind")
	defer unix.Close(fd)

	type stat struct {
		size int64
		err  error
	}
	stats := make(chan stat, 1)
	go func() {
		var st unix.Stat_t
		err := unix.Stat(p, &st)
		stats <- stat{st.Size, err}
	}()
	if got, ok := returnsWithin(stats, 300*time.Millisecond); ok {
		release()
		t.Fatalf("stat answered (size %d, %v) while the write was not made", got.size, got.err)
	}
	release()
	got := <-stats
	must(t, "stat", got.err)
	if got.size != int64(len("written behind")) {
		t.Fatalf("stat after a write behind: size %d, want %d", got.size, len("written behind"))
	}
	must(t, "close", unix.Close(fd))
	fd = -1
	data, err := os.ReadFile(p)
	must(t, "read", err)
	if string(data) != "written behind" {
		t.Fatalf("read back %q", data)
	}
}

func TestWriteBehindFailureReachesClose(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	release := vol.Hold("Write")
	fd := writeHeld(t, p, []byte("lost"), release, 0)
	eventually(t, "the write reaches the volume", func() bool { return vol.Held("Write") == 1 })
	vol.Fail("Write", syscall.ENOSPC)
	release()
	wantErrno(t, "close after a failed write behind", unix.Close(fd), syscall.ENOSPC)

	// The next write of an open file answers the failure of the last.
	vol.Fail("Write", nil)
	release = vol.Hold("Write")
	fd = writeHeld(t, p, []byte("first"), release, 0)
	defer unix.Close(fd)
	eventually(t, "the write reaches the volume", func() bool { return vol.Held("Write") == 1 })
	vol.Fail("Write", syscall.EIO)
	release()
	errs := make(chan error, 1)
	go func() {
		_, err := unix.Write(fd, []byte("second"))
		if err == nil {
			err = unix.Fsync(fd)
		}
		errs <- err
	}()
	wantErrno(t, "write or fsync after a failed write behind", <-errs, syscall.EIO)
	vol.Fail("Write", nil)
	if _, err := unix.Write(fd, []byte("third")); err != nil {
		t.Fatalf("a failure is reported once, then writes go on: %v", err)
	}
	must(t, "close", unix.Close(fd))
}

func TestWriteBehindOffForSyncAndWhenDisabled(t *testing.T) {
	for _, c := range []struct {
		name   string
		window int
		flags  int
	}{
		{"O_SYNC", DefaultWriteBehindWindow, unix.O_SYNC},
		{"O_DSYNC", DefaultWriteBehindWindow, unix.O_DSYNC},
		{"write-behind off", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := testOptions()
			o.WriteBehindWindow = c.window
			dir, vol := mountVol(t, o)
			fd, err := unix.Open(filepath.Join(dir, "f"), unix.O_CREAT|unix.O_WRONLY|c.flags, 0o644)
			must(t, "create", err)
			defer unix.Close(fd)
			release := vol.Hold("Write")
			done := make(chan error, 1)
			go func() {
				_, err := unix.Write(fd, []byte("now"))
				done <- err
			}()
			eventually(t, "the write reaches the volume", func() bool { return vol.Held("Write") == 1 })
			if _, ok := returnsWithin(done, 300*time.Millisecond); ok {
				release()
				t.Fatalf("write(2) returned before the volume made it")
			}
			release()
			must(t, "write", <-done)
		})
	}
}

func TestWriteBehindKeepsOverlappingWritesInOrder(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	f, err := os.Create(p)
	must(t, "create", err)
	const block = 4096
	want := make([]byte, 64*block)
	// Overlapping writes of the same ranges, and disjoint ones between
	// them: the last write of every byte must win.
	for i := range 2000 {
		off := (i * 7 % 60) * block
		n := block * (1 + i%4)
		buf := bytes.Repeat([]byte{byte(i)}, n)
		if _, err := f.WriteAt(buf, int64(off)); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		copy(want[off:], buf)
	}
	must(t, "close", f.Close())
	got, err := os.ReadFile(p)
	must(t, "read", err)
	got = got[:min(len(got), len(want))]
	if !bytes.Equal(got, want[:len(got)]) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("byte %d is %d, want %d: writes were reordered", i, got[i], want[i])
			}
		}
	}
}

func TestWriteBehindBeforeUnlock(t *testing.T) {
	_, vol, fd, release := mountHeldWrite(t, "under the lock")
	defer unix.Close(fd)
	unlocked := make(chan error, 1)
	go func() {
		lk := unix.Flock_t{Type: unix.F_UNLCK, Whence: 0}
		unlocked <- unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk)
	}()
	if _, ok := returnsWithin(unlocked, 300*time.Millisecond); ok {
		release()
		t.Fatalf("unlock answered before the data written under the lock was made")
	}
	release()
	must(t, "unlock", <-unlocked)
	if n := vol.Calls("Write"); n != 1 {
		t.Fatalf("volume writes: %d", n)
	}
}

// The kernel interrupts a request for any signal with a handler (the Go
// runtime's preemption among them); close(2) waiting for writes made
// behind must not fail with EINTR for that.
func TestWriteBehindCloseIgnoresInterrupts(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	release := vol.Hold("Write")
	fd := writeHeld(t, filepath.Join(dir, "f"), []byte("data"), release, 0)
	eventually(t, "the write reaches the volume", func() bool { return vol.Held("Write") == 1 })

	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	tid := make(chan int, 1)
	closed := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tid <- unix.Gettid()
		closed <- unix.Close(fd)
	}()
	closer := <-tid
	for range 50 {
		_ = unix.Tgkill(os.Getpid(), closer, syscall.SIGUSR1)
		if err, ok := returnsWithin(closed, 2*time.Millisecond); ok {
			release()
			t.Fatalf("close returned (%v) while its write was held", err)
		}
	}
	release()
	must(t, "close, interrupted while it waited for its write", <-closed)
	eventually(t, "the signals reach the process", func() bool { return len(sigs) > 0 })
}
