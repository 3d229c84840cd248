package posix

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/tests/cluster"
)

// crossBound is how long a change made through one mount may take to show
// through another. The mounts keep kernel caches for 60 s: seeing a change
// within this bound means the servers' change notifications invalidated
// them, as DESIGN.md requires ("seen by the others at once").
const crossBound = 5 * time.Second

// TestCrossMount mounts one 3-brick volume twice, with long kernel cache
// timeouts, and checks what one client sees of the other's changes, and
// that locks hold across clients.
func TestCrossMount(t *testing.T) {
	cluster.RequireFUSE(t)
	bricks := cluster.StartBricks(t, 3)
	opts := []string{"attribute-timeout=60", "entry-timeout=60", "negative-timeout=60"}
	a := cluster.Mount(t, bricks, 1, opts...)
	b := cluster.Mount(t, bricks, 1, opts...)
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, a, b string)
	}{
		{"write_then_read", crossWriteRead},
		{"overwrite_same_size", crossOverwriteSameSize},
		{"append_grows", crossAppendGrows},
		{"create_after_negative_lookup", crossCreateAfterMiss},
		{"unlink", crossUnlink},
		{"rename", crossRename},
		{"chmod", crossChmod},
		{"readdir", crossReaddir},
		{"truncate", crossTruncate},
		{"fcntl_locks", crossFcntlLocks},
		{"flock", crossFlock},
	} {
		t.Run(c.name, func(t *testing.T) {
			da, db := j(a, "@cross."+c.name), j(b, "@cross."+c.name)
			must(t, unix.Mkdir(da, 0o755), op("mkdir on A", da))
			t.Cleanup(func() { os.RemoveAll(da) })
			eventually(t, "the test directory made on A to show on B", func() error { return lstatErr(db) })
			c.fn(t, da, db)
		})
	}
}

// eventually is within(crossBound).
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	within(t, crossBound, what, check)
}

func contentIs(p string, want []byte) func() error {
	return func() error {
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("content %s", diffBytes(got, want))
		}
		return nil
	}
}

func crossWriteRead(t *testing.T, a, b string) {
	writeFile(t, j(a, "f"), []byte("written on A"))
	eventually(t, "B reads what A wrote", contentIs(j(b, "f"), []byte("written on A")))
	writeFile(t, j(b, "g"), pattern(300000, 1))
	eventually(t, "A reads what B wrote", contentIs(j(a, "g"), pattern(300000, 1)))
}

// crossOverwriteSameSize: a rewrite that keeps the size must not be hidden
// by B's page cache.
func crossOverwriteSameSize(t *testing.T, a, b string) {
	writeFile(t, j(a, "f"), bytes.Repeat([]byte("1"), 8192))
	eventually(t, "B reads the first version", contentIs(j(b, "f"), bytes.Repeat([]byte("1"), 8192)))
	writeFile(t, j(a, "f"), bytes.Repeat([]byte("2"), 8192))
	eventually(t, "B reads the second version (same size)", contentIs(j(b, "f"), bytes.Repeat([]byte("2"), 8192)))
}

func crossAppendGrows(t *testing.T, a, b string) {
	writeFile(t, j(a, "f"), []byte("one\n"))
	eventually(t, "B reads the file", contentIs(j(b, "f"), []byte("one\n")))
	fd := open(t, j(a, "f"), unix.O_WRONLY|unix.O_APPEND, 0)
	writeAll(t, fd, []byte("two\n"))
	closeFd(t, fd)
	eventually(t, "B sees the appended line", contentIs(j(b, "f"), []byte("one\ntwo\n")))
	eventually(t, "B's stat shows the new size", func() error {
		var st unix.Stat_t
		if err := unix.Stat(j(b, "f"), &st); err != nil {
			return err
		}
		if st.Size != 8 {
			return fmt.Errorf("size %d, want 8", st.Size)
		}
		return nil
	})
}

func crossCreateAfterMiss(t *testing.T, a, b string) {
	wantErr(t, lstatErr(j(b, "late")), op("lstat on B", "late"), unix.ENOENT)
	writeFile(t, j(a, "late"), []byte("here"))
	eventually(t, "B finds a file created on A after B looked it up and missed", contentIs(j(b, "late"), []byte("here")))
	wantErr(t, lstatErr(j(b, "latedir")), op("lstat on B", "latedir"), unix.ENOENT)
	mkdir(t, j(a, "latedir"), 0o755)
	eventually(t, "B finds a directory created on A after a miss", func() error { return lstatErr(j(b, "latedir")) })
}

func crossUnlink(t *testing.T, a, b string) {
	writeFile(t, j(a, "f"), []byte("x"))
	eventually(t, "B sees the file", func() error { return lstatErr(j(b, "f")) })
	must(t, unix.Unlink(j(a, "f")), "unlink on A")
	eventually(t, "B no longer finds the file A removed", func() error {
		if err := lstatErr(j(b, "f")); errnoOf(err) != unix.ENOENT {
			return fmt.Errorf("lstat: %v, want ENOENT", err)
		}
		return nil
	})
}

func crossRename(t *testing.T, a, b string) {
	writeFile(t, j(a, "old"), []byte("moved"))
	eventually(t, "B sees the file", contentIs(j(b, "old"), []byte("moved")))
	must(t, unix.Rename(j(a, "old"), j(a, "new")), "rename on A")
	eventually(t, "B finds the new name", contentIs(j(b, "new"), []byte("moved")))
	eventually(t, "B loses the old name", func() error {
		if err := lstatErr(j(b, "old")); errnoOf(err) != unix.ENOENT {
			return fmt.Errorf("lstat: %v, want ENOENT", err)
		}
		return nil
	})
}

func crossChmod(t *testing.T, a, b string) {
	writeFile(t, j(a, "f"), []byte("x"))
	eventually(t, "B sees the file", func() error { return lstatErr(j(b, "f")) })
	chmod(t, j(a, "f"), 0o600)
	chown(t, j(a, "f"), 1000, 1000)
	eventually(t, "B sees A's chmod and chown", func() error {
		var st unix.Stat_t
		if err := unix.Lstat(j(b, "f"), &st); err != nil {
			return err
		}
		if st.Mode&0o777 != 0o600 || st.Uid != 1000 {
			return fmt.Errorf("mode %#o uid %d, want 0600 1000", st.Mode&0o777, st.Uid)
		}
		return nil
	})
}

func crossReaddir(t *testing.T, a, b string) {
	wantContentNames(t, b, nil)
	var names []string
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("f%d", i)
		create(t, j(a, name), 0o644)
		names = append(names, name)
	}
	eventually(t, "B lists the files A created", func() error {
		ents := listDir(t, b, 8192)
		if len(ents) != len(names)+2 {
			return fmt.Errorf("%d entries, want %d", len(ents), len(names)+2)
		}
		return nil
	})
}

func crossTruncate(t *testing.T, a, b string) {
	writeFile(t, j(a, "f"), pattern(100000, 4))
	eventually(t, "B reads the file", contentIs(j(b, "f"), pattern(100000, 4)))
	must(t, unix.Truncate(j(a, "f"), 10), "truncate on A")
	eventually(t, "B sees the truncation", contentIs(j(b, "f"), pattern(100000, 4)[:10]))
}

// crossFcntlLocks: byte-range locks taken through one mount hold against
// processes on the other.
func crossFcntlLocks(t *testing.T, a, b string) {
	create(t, j(a, "lock"), 0o644)
	eventually(t, "B sees the file", func() error { return lstatErr(j(b, "lock")) })
	pa, pb := asRoot(t), asRoot(t)
	pa.name, pb.name = "process on A", "process on B"
	fa, fb := pa.mustOpen(j(a, "lock"), unix.O_RDWR, 0), pb.mustOpen(j(b, "lock"), unix.O_RDWR, 0)
	bPid := pb.do(request{Op: "pid"}).Pid
	must(t, lockDo(pa, "setlk", fa, unix.F_WRLCK, 0, 100).err(), "A: F_SETLK")
	wantErr(t, lockDo(pb, "setlk", fb, unix.F_WRLCK, 50, 10).err(), "B: F_SETLK under A's lock, through the other mount", lockBusy...)
	r := lockDo(pb, "getlk", fb, unix.F_RDLCK, 0, 10)
	if wantOK(t, r.err(), "B: F_GETLK") && r.N != unix.F_WRLCK {
		t.Errorf("F_GETLK through the other mount: type %d, want F_WRLCK", r.N)
	}
	wantOK(t, lockDo(pb, "setlk", fb, unix.F_WRLCK, 100, 10).err(), "B: F_SETLK next to A's lock")
	pb.send(request{Op: "setlkw", Fd: fb, Flags: unix.F_WRLCK, Off: 0, Len: 10})
	waitInSyscall(t, bPid, unix.SYS_FCNTL, "fcntl(F_SETLKW) through the other mount")
	must(t, lockDo(pa, "setlk", fa, unix.F_UNLCK, 0, 100).err(), "A: F_UNLCK")
	wantOK(t, pb.recv().err(), "B: F_SETLKW after A released")
	wantErr(t, lockDo(pa, "setlk", fa, unix.F_WRLCK, 0, 1).err(), "A: F_SETLK under B's lock", lockBusy...)
	// The holder's death releases its locks for the other client too.
	pb.kill()
	eventually(t, "A locks after B's process was killed", func() error { return lockDo(pa, "setlk", fa, unix.F_WRLCK, 0, 1).err() })
}

func crossFlock(t *testing.T, a, b string) {
	create(t, j(a, "lock"), 0o644)
	eventually(t, "B sees the file", func() error { return lstatErr(j(b, "lock")) })
	pa, pb := asRoot(t), asRoot(t)
	fa, fb := pa.mustOpen(j(a, "lock"), unix.O_RDWR, 0), pb.mustOpen(j(b, "lock"), unix.O_RDWR, 0)
	must(t, pa.do(request{Op: "flock", Fd: fa, Flags: unix.LOCK_EX}).err(), "A: flock LOCK_EX")
	wantErr(t, pb.do(request{Op: "flock", Fd: fb, Flags: unix.LOCK_EX | unix.LOCK_NB}).err(), "B: flock LOCK_EX|LOCK_NB through the other mount", unix.EWOULDBLOCK)
	must(t, pa.do(request{Op: "flock", Fd: fa, Flags: unix.LOCK_UN}).err(), "A: flock LOCK_UN")
	wantOK(t, pb.do(request{Op: "flock", Fd: fb, Flags: unix.LOCK_EX | unix.LOCK_NB}).err(), "B: flock after A unlocked")
	must(t, pb.do(request{Op: "close", Fd: fb}).err(), "B: close")
	eventually(t, "A: flock LOCK_EX|LOCK_NB after B closed its file", func() error {
		return pa.do(request{Op: "flock", Fd: fa, Flags: unix.LOCK_EX | unix.LOCK_NB}).err()
	})
}
