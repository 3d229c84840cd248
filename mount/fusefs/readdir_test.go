package fusefs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/fop"
)

// dirent is one getdents64 record.
type dirent struct {
	ino  uint64
	off  int64
	typ  uint8
	name string
}

// getdents reads the whole directory fd with getdents64, in batches of
// bufSize bytes, keeping "." and "..".
func getdents(t *testing.T, fd, bufSize int) []dirent {
	t.Helper()
	var out []dirent
	buf := make([]byte, bufSize)
	for {
		n, err := unix.Getdents(fd, buf)
		must(t, "getdents", err)
		if n == 0 {
			return out
		}
		for b := buf[:n]; len(b) > 0; {
			reclen := int(b[16]) | int(b[17])<<8
			name := b[19:reclen]
			out = append(out, dirent{
				ino:  uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 | uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56,
				off:  int64(uint64(b[8]) | uint64(b[9])<<8 | uint64(b[10])<<16 | uint64(b[11])<<24 | uint64(b[12])<<32 | uint64(b[13])<<40 | uint64(b[14])<<48 | uint64(b[15])<<56),
				typ:  b[18],
				name: string(name[:bytes.IndexByte(name, 0)]),
			})
			b = b[reclen:]
		}
	}
}

// fill creates n empty files in directory g straight in the volume,
// behind the kernel's back.
func fill(t *testing.T, vol fop.Volume, g fop.Gfid, prefix string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		_, f, err := vol.Create(context.Background(), g, fmt.Sprintf("%s%05d", prefix, i), syscall.O_RDWR, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o644})
		must(t, "create in the volume", err)
		must(t, "release", f.Release(context.Background()))
	}
}

func TestReaddirDotsTypesAndInodes(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	must(t, "mkdir", os.Mkdir(filepath.Join(dir, "d"), 0o755))
	must(t, "file", os.WriteFile(filepath.Join(dir, "d", "f"), nil, 0o644))
	must(t, "symlink", os.Symlink("f", filepath.Join(dir, "d", "s")))
	fd, err := unix.Open(filepath.Join(dir, "d"), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, "opendir", err)
	defer unix.Close(fd)
	ents := getdents(t, fd, 4096)
	var rootSt, dSt, fSt unix.Stat_t
	must(t, "stat", unix.Stat(dir, &rootSt))
	must(t, "stat", unix.Stat(filepath.Join(dir, "d"), &dSt))
	must(t, "stat", unix.Stat(filepath.Join(dir, "d", "f"), &fSt))
	want := []dirent{
		{ino: dSt.Ino, off: 1, typ: unix.DT_DIR, name: "."},
		{ino: rootSt.Ino, off: 2, typ: unix.DT_DIR, name: ".."},
		{ino: fSt.Ino, off: 3, typ: unix.DT_REG, name: "f"},
		{off: 4, typ: unix.DT_LNK, name: "s"},
	}
	if len(ents) != len(want) {
		t.Fatalf("entries %+v", ents)
	}
	for i := range want {
		if i == 3 {
			want[i].ino = ents[i].ino
		}
		if ents[i] != want[i] {
			t.Errorf("entry %d: %+v, want %+v", i, ents[i], want[i])
		}
	}
	if rootSt.Ino != 1 {
		t.Errorf("root inode %d, want 1", rootSt.Ino)
	}
}

// 10,000 entries come back exactly once while another goroutine keeps
// creating files in the same directory.
func TestReaddirStableUnderConcurrentCreates(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	const n = 10000
	fill(t, vol, fop.RootGfid, "old", n)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	created := 0
	go func() {
		defer wg.Done()
		for ; ; created++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("new%05d", created)), nil, 0o644); err != nil {
				t.Errorf("concurrent create: %v", err)
				return
			}
		}
	}()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, "opendir", err)
	ents := getdents(t, fd, 1024) // small batches: many READDIRPLUS calls
	unix.Close(fd)
	close(stop)
	wg.Wait()

	seen := make(map[string]int)
	for _, e := range ents {
		seen[e.name]++
	}
	for name, c := range seen {
		if c != 1 {
			t.Errorf("%q listed %d times", name, c)
		}
	}
	for i := 0; i < n; i++ {
		if name := fmt.Sprintf("old%05d", i); seen[name] != 1 {
			t.Fatalf("%s listed %d times", name, seen[name])
		}
	}
	t.Logf("%d entries listed, %d files created during the listing", len(ents), created)
}

// `ls -l`: getdents then lstat of every entry costs no lookup and no
// getattr in the volume: READDIRPLUS answered them from the snapshot.
func TestReaddirplusAnswersLookupsFromSnapshot(t *testing.T) {
	o := testOptions()
	o.EntryTimeout, o.AttrTimeout = time.Minute, time.Minute
	dir, vol := mountVol(t, o)
	const n = 1000
	fill(t, vol, fop.RootGfid, "f", n)

	lookups, getattrs := vol.Calls("Lookup"), vol.Calls("Getattr")
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, "opendir", err)
	ents := getdents(t, fd, 8192)
	unix.Close(fd)
	if len(ents) != n+2 {
		t.Fatalf("%d entries", len(ents))
	}
	var st unix.Stat_t
	for _, e := range ents[2:] {
		must(t, "lstat", unix.Lstat(filepath.Join(dir, e.name), &st))
		if st.Ino != e.ino || st.Mode != syscall.S_IFREG|0o644 {
			t.Fatalf("%s: ino %d mode %o, listed ino %d", e.name, st.Ino, st.Mode, e.ino)
		}
	}
	if l, g := vol.Calls("Lookup")-lookups, vol.Calls("Getattr")-getattrs; l != 0 || g != 0 {
		t.Fatalf("ls -l of %d files: %d lookups, %d getattrs in the volume", n, l, g)
	}
	if r := vol.Calls("Readdir"); r > 3 {
		t.Errorf("%d volume readdir calls for %d entries", r, n)
	}
}

// An entry removed by this client after the snapshot was read must not
// come back to life in the kernel's cache when READDIRPLUS reaches it.
func TestReaddirplusDoesNotReviveRemovedEntries(t *testing.T) {
	o := testOptions()
	o.EntryTimeout, o.AttrTimeout = time.Minute, time.Minute
	dir, vol := mountVol(t, o)
	fill(t, vol, fop.RootGfid, "f", 2000)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, "opendir", err)
	defer unix.Close(fd)
	buf := make([]byte, 512)
	_, err = unix.Getdents(fd, buf) // the snapshot is read now
	must(t, "getdents", err)
	must(t, "unlink a later entry", os.Remove(filepath.Join(dir, "f01999")))
	must(t, "chmod a later entry", os.Chmod(filepath.Join(dir, "f01998"), 0o600))
	rest := getdents(t, fd, 8192)
	if last := rest[len(rest)-1].name; last != "f01999" {
		t.Fatalf("snapshot listing ends with %q", last)
	}
	var st unix.Stat_t
	wantErrno(t, "stat of the removed entry", unix.Lstat(filepath.Join(dir, "f01999"), &st), syscall.ENOENT)
	must(t, "stat", unix.Lstat(filepath.Join(dir, "f01998"), &st))
	if st.Mode != syscall.S_IFREG|0o600 {
		t.Fatalf("chmod undone by the listing: %o", st.Mode)
	}
}

func TestRewinddirTakesANewSnapshot(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	must(t, "a", os.WriteFile(filepath.Join(dir, "a"), nil, 0o644))
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, "opendir", err)
	defer unix.Close(fd)
	if got := len(getdents(t, fd, 4096)); got != 3 {
		t.Fatalf("%d entries", got)
	}
	must(t, "b", os.WriteFile(filepath.Join(dir, "b"), nil, 0o644))
	_, err = unix.Seek(fd, 0, 0)
	must(t, "rewind", err)
	if got := getdents(t, fd, 4096); len(got) != 4 || got[3].name != "b" {
		t.Fatalf("after rewinddir: %+v", got)
	}
}

// A READDIRPLUS lookup that fails leaves nothing in the kernel's caches
// (the entry goes out without a node id, which the kernel ignores): the
// names are found once the volume answers again, despite an hour of
// negative caching.
func TestReaddirplusFailedLookupCachesNothing(t *testing.T) {
	o := testOptions()
	o.EntryTimeout, o.AttrTimeout, o.NegativeTimeout = time.Hour, time.Hour, time.Hour
	dir, vol := mountVol(t, o)
	fill(t, vol, fop.RootGfid, "f", 500)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, "opendir", err)
	defer unix.Close(fd)
	first, err := unix.Getdents(fd, make([]byte, 512)) // the snapshot is read now
	must(t, "getdents", err)
	vol.Emit(fop.Event{Kind: fop.EventOverflow}) // every later entry is looked up for real
	vol.Fail("Lookup", syscall.EIO)
	lookups := vol.Calls("Lookup")
	rest := getdents(t, fd, 8192)
	failed := vol.Calls("Lookup") - lookups
	vol.Fail("Lookup", nil)
	if first == 0 || len(rest) < 400 || failed < int64(len(rest)) {
		t.Fatalf("listing of %d bytes, then %d entries with %d failed lookups", first, len(rest), failed)
	}
	var st unix.Stat_t
	for _, e := range rest {
		must(t, "lstat after a failed READDIRPLUS lookup", unix.Lstat(filepath.Join(dir, e.name), &st))
	}
}
