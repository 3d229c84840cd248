package posix

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func lockChecks() []check {
	return []check{
		{"fcntl_conflict", lockFcntlConflict},
		{"fcntl_shared", lockFcntlShared},
		{"fcntl_wait", lockFcntlWait},
		{"fcntl_split", lockFcntlSplit},
		{"fcntl_to_eof", lockFcntlToEOF},
		{"fcntl_release_on_close", lockFcntlReleaseOnClose},
		{"fcntl_release_on_exit", lockFcntlReleaseOnExit},
		{"fcntl_release_on_kill", lockFcntlReleaseOnKill},
		{"flock", lockFlock},
		{"flock_wait", lockFlockWait},
		{"flock_fcntl_independent", lockFlockFcntlIndependent},
	}
}

// lockDo asks a child for a byte-range lock call and returns its reply.
func lockDo(c *child, cmd string, fd int, typ int16, start, length int64) reply {
	c.t.Helper()
	return c.do(request{Op: cmd, Fd: fd, Flags: int(typ), Off: start, Len: length})
}

// lockPair makes a file and two root children with it open read-write.
func lockPair(t *testing.T, d string) (a, b *child, fa, fb int, p string) {
	p = j(d, "lockfile")
	writeFile(t, p, make([]byte, 1000))
	a, b = asRoot(t), asRoot(t)
	a.name, b.name = "process A", "process B"
	return a, b, a.mustOpen(p, unix.O_RDWR, 0), b.mustOpen(p, unix.O_RDWR, 0), p
}

var lockBusy = []unix.Errno{unix.EAGAIN, unix.EACCES}

// lockFcntlConflict: a write lock excludes other processes' locks on
// overlapping ranges only; F_GETLK names the holder.
func lockFcntlConflict(t *testing.T, d string) {
	a, b, fa, fb, _ := lockPair(t, d)
	aPid := a.do(request{Op: "pid"}).Pid
	if !wantOK(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 0, 100).err(), "A: F_SETLK F_WRLCK [0,100)") {
		return
	}
	wantErr(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 50, 10).err(), "B: F_SETLK F_WRLCK [50,60) under A's write lock", lockBusy...)
	wantErr(t, lockDo(b, "setlk", fb, unix.F_RDLCK, 99, 1).err(), "B: F_SETLK F_RDLCK [99,100) under A's write lock", lockBusy...)
	wantOK(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 100, 10).err(), "B: F_SETLK F_WRLCK [100,110) next to A's lock")
	r := lockDo(b, "getlk", fb, unix.F_WRLCK, 10, 5)
	if wantOK(t, r.err(), "B: F_GETLK [10,15)") {
		if r.N != unix.F_WRLCK || r.Pid != aPid || r.Start != 0 || r.Len != 100 {
			t.Errorf("F_GETLK under A's lock: type %d pid %d start %d len %d; want F_WRLCK(%d) pid %d start 0 len 100",
				r.N, r.Pid, r.Start, r.Len, unix.F_WRLCK, aPid)
		}
	}
	r = lockDo(b, "getlk", fb, unix.F_WRLCK, 200, 5)
	if wantOK(t, r.err(), "B: F_GETLK [200,205)") && r.N != unix.F_UNLCK {
		t.Errorf("F_GETLK on a free range: type %d, want F_UNLCK", r.N)
	}
	// A process does not conflict with itself.
	wantOK(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 0, 50).err(), "A: F_SETLK over its own lock")
	r = lockDo(a, "getlk", fa, unix.F_WRLCK, 0, 100)
	if wantOK(t, r.err(), "A: F_GETLK over its own lock") && r.N != unix.F_UNLCK {
		t.Errorf("F_GETLK over the caller's own lock: type %d, want F_UNLCK", r.N)
	}
	// Unlocked, B gets it.
	wantOK(t, lockDo(a, "setlk", fa, unix.F_UNLCK, 0, 100).err(), "A: F_UNLCK")
	wantOK(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 0, 100).err(), "B: F_SETLK after A unlocked")
}

// lockFcntlShared: read locks are shared; a write lock is refused while
// another process reads, and upgrading too.
func lockFcntlShared(t *testing.T, d string) {
	a, b, fa, fb, _ := lockPair(t, d)
	wantOK(t, lockDo(a, "setlk", fa, unix.F_RDLCK, 0, 0).err(), "A: F_RDLCK whole file")
	wantOK(t, lockDo(b, "setlk", fb, unix.F_RDLCK, 0, 0).err(), "B: F_RDLCK whole file, shared")
	wantErr(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 0, 0).err(), "B: upgrade to F_WRLCK while A reads", lockBusy...)
	wantErr(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 10, 10).err(), "A: upgrade to F_WRLCK while B reads", lockBusy...)
	r := lockDo(a, "getlk", fa, unix.F_WRLCK, 0, 0)
	if wantOK(t, r.err(), "A: F_GETLK F_WRLCK") && r.N != unix.F_RDLCK {
		t.Errorf("F_GETLK for a write lock over B's read lock: type %d, want F_RDLCK", r.N)
	}
	wantOK(t, lockDo(b, "setlk", fb, unix.F_UNLCK, 0, 0).err(), "B: F_UNLCK")
	wantOK(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 0, 0).err(), "A: upgrade to F_WRLCK once alone")
}

// lockFcntlWait: F_SETLKW blocks until the holder releases, then acquires.
func lockFcntlWait(t *testing.T, d string) {
	a, b, fa, fb, _ := lockPair(t, d)
	bPid := b.do(request{Op: "pid"}).Pid
	must(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 0, 10).err(), "A: F_SETLK")
	b.send(request{Op: "setlkw", Fd: fb, Flags: unix.F_WRLCK, Off: 5, Len: 10})
	waitInSyscall(t, bPid, unix.SYS_FCNTL, "fcntl(F_SETLKW)")
	must(t, lockDo(a, "setlk", fa, unix.F_UNLCK, 0, 10).err(), "A: F_UNLCK")
	wantOK(t, b.recv().err(), "B: F_SETLKW after A released")
	wantErr(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 0, 10).err(), "A: F_SETLK while B holds what it waited for", lockBusy...)
	r := lockDo(a, "getlk", fa, unix.F_WRLCK, 0, 100)
	if wantOK(t, r.err(), "A: F_GETLK") && (r.N != unix.F_WRLCK || r.Pid != bPid) {
		t.Errorf("F_GETLK after B's F_SETLKW: type %d pid %d, want F_WRLCK pid %d", r.N, r.Pid, bPid)
	}
}

// lockFcntlSplit: unlocking the middle of a lock leaves two locks.
func lockFcntlSplit(t *testing.T, d string) {
	a, b, fa, fb, _ := lockPair(t, d)
	must(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 0, 100).err(), "A: F_SETLK [0,100)")
	must(t, lockDo(a, "setlk", fa, unix.F_UNLCK, 40, 20).err(), "A: F_UNLCK [40,60)")
	for _, c := range []struct {
		start, length int64
		locked        bool
	}{{10, 5, true}, {45, 10, false}, {70, 5, true}, {39, 2, true}, {59, 2, true}, {40, 20, false}} {
		r := lockDo(b, "getlk", fb, unix.F_WRLCK, c.start, c.length)
		if !wantOK(t, r.err(), "B: F_GETLK") {
			continue
		}
		if got := r.N != unix.F_UNLCK; got != c.locked {
			t.Errorf("after A locked [0,100) and unlocked [40,60): [%d,%d) locked = %v, want %v", c.start, c.start+c.length, got, c.locked)
		}
	}
	wantOK(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 40, 20).err(), "B: F_SETLK in the gap [40,60)")
}

// lockFcntlToEOF: length 0 locks to the end of the file and beyond.
func lockFcntlToEOF(t *testing.T, d string) {
	a, b, fa, fb, _ := lockPair(t, d)
	must(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 500, 0).err(), "A: F_SETLK [500,∞)")
	wantErr(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 1<<40, 1).err(), "B: F_SETLK at 1 TiB under A's lock to EOF", lockBusy...)
	wantOK(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 0, 500).err(), "B: F_SETLK [0,500) before A's lock")
}

// lockFcntlReleaseOnClose: closing any descriptor of the file releases all
// the process's locks on it (POSIX).
func lockFcntlReleaseOnClose(t *testing.T, d string) {
	a, b, fa, fb, p := lockPair(t, d)
	must(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 0, 0).err(), "A: F_SETLK")
	other := a.mustOpen(p, unix.O_RDONLY, 0)
	wantErr(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 0, 0).err(), "B: F_SETLK while A holds", lockBusy...)
	must(t, a.do(request{Op: "close", Fd: other}).err(), "A: close another descriptor")
	wantOK(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 0, 0).err(), "B: F_SETLK after A closed another descriptor of the file")
	must(t, lockDo(b, "setlk", fb, unix.F_UNLCK, 0, 0).err(), "B: F_UNLCK")
	// And closing the locking descriptor itself.
	must(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 0, 0).err(), "A: F_SETLK again")
	must(t, a.do(request{Op: "close", Fd: fa}).err(), "A: close")
	wantOK(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 0, 0).err(), "B: F_SETLK after A closed")
}

// lockFcntlReleaseOnExit: the locks of a process that exited are gone
// once it is reaped.
func lockFcntlReleaseOnExit(t *testing.T, d string) {
	a, b, fa, fb, _ := lockPair(t, d)
	must(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 0, 0).err(), "A: F_SETLK")
	wantErr(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 0, 0).err(), "B: F_SETLK while A holds", lockBusy...)
	a.exit()
	wantOK(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 0, 0).err(), "B: F_SETLK after A exited")
}

// lockAsyncBound: how soon locks the kernel releases asynchronously on FUSE
// must be gone. A dying process's unlock never reaches a FUSE server (no
// request is sent for a task with a fatal signal pending), and a flock is
// released by the RELEASE of its file, which the kernel queues after
// close(2) returns: the server must drop those locks then.
const lockAsyncBound = 5 * time.Second

// lockFcntlReleaseOnKill: a killed process's locks are gone promptly.
func lockFcntlReleaseOnKill(t *testing.T, d string) {
	a, b, fa, fb, _ := lockPair(t, d)
	must(t, lockDo(a, "setlk", fa, unix.F_WRLCK, 0, 0).err(), "A: F_SETLK")
	wantErr(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 0, 0).err(), "B: F_SETLK while A holds", lockBusy...)
	a.kill()
	within(t, lockAsyncBound, "B: F_SETLK after A was killed", func() error {
		return lockDo(b, "setlk", fb, unix.F_WRLCK, 0, 0).err()
	})
}

// lockFlock: flock locks exclude between open files of two processes,
// shared ones are shared, and close releases them.
func lockFlock(t *testing.T, d string) {
	a, b, fa, fb, p := lockPair(t, d)
	flock := func(c *child, fd, how int) error { return c.do(request{Op: "flock", Fd: fd, Flags: how}).err() }
	if !wantOK(t, flock(a, fa, unix.LOCK_EX), "A: flock LOCK_EX") {
		return
	}
	wantErr(t, flock(b, fb, unix.LOCK_EX|unix.LOCK_NB), "B: flock LOCK_EX|LOCK_NB while A holds LOCK_EX", unix.EWOULDBLOCK)
	wantErr(t, flock(b, fb, unix.LOCK_SH|unix.LOCK_NB), "B: flock LOCK_SH|LOCK_NB while A holds LOCK_EX", unix.EWOULDBLOCK)
	wantOK(t, flock(a, fa, unix.LOCK_UN), "A: flock LOCK_UN")
	wantOK(t, flock(b, fb, unix.LOCK_SH|unix.LOCK_NB), "B: flock LOCK_SH|LOCK_NB after A unlocked")
	wantOK(t, flock(a, fa, unix.LOCK_SH|unix.LOCK_NB), "A: flock LOCK_SH|LOCK_NB shared with B")
	wantErr(t, flock(a, fa, unix.LOCK_EX|unix.LOCK_NB), "A: flock upgrade to LOCK_EX while B shares", unix.EWOULDBLOCK)
	must(t, b.do(request{Op: "close", Fd: fb}).err(), "B: close")
	within(t, lockAsyncBound, "A: flock LOCK_EX|LOCK_NB after B closed its file", func() error {
		return flock(a, fa, unix.LOCK_EX|unix.LOCK_NB)
	})
	// flock belongs to the open file: another open of it in the same
	// process conflicts.
	fa2 := a.mustOpen(p, unix.O_RDONLY, 0)
	wantErr(t, flock(a, fa2, unix.LOCK_EX|unix.LOCK_NB), "A: flock LOCK_EX|LOCK_NB on a second open file of its own", unix.EWOULDBLOCK)
}

// lockFlockWait: a blocking flock waits for the holder.
func lockFlockWait(t *testing.T, d string) {
	a, b, fa, fb, _ := lockPair(t, d)
	bPid := b.do(request{Op: "pid"}).Pid
	must(t, a.do(request{Op: "flock", Fd: fa, Flags: unix.LOCK_EX}).err(), "A: flock LOCK_EX")
	b.send(request{Op: "flock", Fd: fb, Flags: unix.LOCK_EX})
	waitInSyscall(t, bPid, unix.SYS_FLOCK, "flock(LOCK_EX)")
	must(t, a.do(request{Op: "close", Fd: fa}).err(), "A: close")
	wantOK(t, b.recv().err(), "B: flock LOCK_EX after A closed")
}

// lockFlockFcntlIndependent: flock and fcntl locks do not see each other
// (Linux).
func lockFlockFcntlIndependent(t *testing.T, d string) {
	a, b, fa, fb, _ := lockPair(t, d)
	must(t, a.do(request{Op: "flock", Fd: fa, Flags: unix.LOCK_EX}).err(), "A: flock LOCK_EX")
	wantOK(t, lockDo(b, "setlk", fb, unix.F_WRLCK, 0, 0).err(), "B: fcntl F_WRLCK while A holds flock LOCK_EX")
	wantErr(t, b.do(request{Op: "flock", Fd: fb, Flags: unix.LOCK_EX | unix.LOCK_NB}).err(), "B: flock LOCK_EX|LOCK_NB", unix.EWOULDBLOCK)
}
