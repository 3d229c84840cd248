package posix

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

func readdirChecks() []check {
	return []check{
		{"empty", readdirEmpty},
		{"10000", readdir10000},
		{"types_inodes", readdirTypesInodes},
		{"concurrent_changes", readdirConcurrentChanges},
		{"seek", readdirSeek},
		{"rewind_sees_changes", readdirRewind},
	}
}

// dirent is one entry of getdents64.
type dirent struct {
	Ino  uint64
	Off  int64 // position after this entry, for lseek
	Type uint8
	Name string
}

// getdents reads the next entries of an open directory with a buffer of
// size bytes; it returns nil at the end.
func getdents(t testing.TB, fd, size int) []dirent {
	t.Helper()
	buf := make([]byte, size)
	n, err := unix.Getdents(fd, buf)
	must(t, err, op("getdents64", fd, size))
	var out []dirent
	for b := buf[:n]; len(b) > 0; {
		reclen := int(binary.LittleEndian.Uint16(b[16:18]))
		if reclen < 19 || reclen > len(b) {
			t.Fatalf("getdents64: bad record length %d", reclen)
		}
		name := b[19:reclen]
		if i := strings.IndexByte(string(name), 0); i >= 0 {
			name = name[:i]
		}
		out = append(out, dirent{
			Ino:  binary.LittleEndian.Uint64(b[0:8]),
			Off:  int64(binary.LittleEndian.Uint64(b[8:16])),
			Type: b[18],
			Name: string(name),
		})
		b = b[reclen:]
	}
	return out
}

// readAll lists an open directory to its end with buffers of size bytes.
func readAll(t testing.TB, fd, size int) []dirent {
	t.Helper()
	var all []dirent
	for {
		ents := getdents(t, fd, size)
		if len(ents) == 0 {
			return all
		}
		all = append(all, ents...)
	}
}

func listDir(t testing.TB, dir string, size int) []dirent {
	t.Helper()
	fd := open(t, dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	defer closeFd(t, fd)
	return readAll(t, fd, size)
}

// wantContentNames checks that a directory lists exactly ".", ".." and
// names, each once.
func wantContentNames(t testing.TB, dir string, names []string) {
	t.Helper()
	wantListing(t, short(dir), listDir(t, dir, 8192), names)
}

func wantListing(t testing.TB, what string, ents []dirent, names []string) {
	t.Helper()
	count := map[string]int{}
	for _, e := range ents {
		count[e.Name]++
	}
	want := map[string]bool{".": true, "..": true}
	for _, n := range names {
		want[n] = true
	}
	var missing, extra, dup []string
	for n := range want {
		if count[n] == 0 {
			missing = append(missing, n)
		}
	}
	for n, c := range count {
		if !want[n] {
			extra = append(extra, n)
		} else if c > 1 {
			dup = append(dup, fmt.Sprintf("%s×%d", n, c))
		}
	}
	if len(missing)+len(extra)+len(dup) > 0 {
		t.Errorf("listing of %s (%d entries): missing %s; unexpected %s; listed more than once %s",
			what, len(ents), sample(missing), sample(extra), sample(dup))
	}
}

// sample shows up to 10 names, sorted.
func sample(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	if len(names) > 10 {
		return fmt.Sprintf("%d, e.g. %q", len(names), names[:10])
	}
	return fmt.Sprintf("%q", names)
}

func readdirEmpty(t *testing.T, d string) {
	mkdir(t, j(d, "e"), 0o755)
	ents := listDir(t, j(d, "e"), 4096)
	wantListing(t, "an empty directory", ents, nil)
	for _, e := range ents {
		if e.Type != unix.DT_DIR && e.Type != unix.DT_UNKNOWN {
			t.Errorf("%q listed with d_type %d, want DT_DIR", e.Name, e.Type)
		}
	}
	for _, e := range ents {
		if e.Name == "." && e.Ino != lstat(t, j(d, "e")).Ino {
			t.Errorf(". listed with d_ino %d, want the directory's %d", e.Ino, lstat(t, j(d, "e")).Ino)
		}
	}
}

// createMany creates n empty files named prefix%05d in dir, in parallel.
func createMany(t testing.TB, dir, prefix string, n int) []string {
	t.Helper()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s%05d", prefix, i)
	}
	const workers = 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fd, err := unix.Open(j(dir, names[i]), unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
				if err != nil {
					errs <- fmt.Errorf("create %s: %w", names[i], err)
					return
				}
				unix.Close(fd)
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return names
}

// readdir10000: 10,000 entries read back exactly once each, with small and
// large buffers, and os-level d_ino matching stat.
func readdir10000(t *testing.T, d string) {
	names := createMany(t, d, "f", 10000)
	for _, size := range []int{1024, 32768} {
		ents := listDir(t, d, size)
		wantListing(t, fmt.Sprintf("a directory of 10000 files, %d-byte buffers", size), ents, names)
		if len(ents) != 10002 {
			t.Errorf("%d-byte buffers: %d entries, want 10002", size, len(ents))
		}
	}
	ents := listDir(t, d, 65536)
	for i, e := range ents {
		if i%97 != 0 || e.Name == "." || e.Name == ".." {
			continue
		}
		if st := lstat(t, j(d, e.Name)); st.Ino != e.Ino {
			t.Errorf("%s: d_ino %d, st_ino %d", e.Name, e.Ino, st.Ino)
		}
		if e.Type != unix.DT_REG && e.Type != unix.DT_UNKNOWN {
			t.Errorf("%s: d_type %d, want DT_REG", e.Name, e.Type)
		}
	}
}

// readdirTypesInodes: d_type and d_ino of every file type.
func readdirTypesInodes(t *testing.T, d string) {
	dtype := map[string]uint8{
		"regular": unix.DT_REG, "dir": unix.DT_DIR, "fifo": unix.DT_FIFO, "socket": unix.DT_SOCK,
		"char": unix.DT_CHR, "block": unix.DT_BLK, "symlink": unix.DT_LNK,
	}
	for _, typ := range allTypes {
		mkType(t, j(d, typ), typ)
	}
	ents := listDir(t, d, 4096)
	wantListing(t, "a directory of each type", ents, allTypes)
	for _, e := range ents {
		want, ok := dtype[e.Name]
		if !ok {
			continue
		}
		if e.Type != want && e.Type != unix.DT_UNKNOWN {
			t.Errorf("%s: d_type %d, want %d", e.Name, e.Type, want)
		}
		if st := lstat(t, j(d, e.Name)); st.Ino != e.Ino {
			t.Errorf("%s: d_ino %d, st_ino %d", e.Name, e.Ino, st.Ino)
		}
	}
}

// readdirConcurrentChanges: while other files are created and removed in
// the directory, a listing still returns every entry that existed before
// and was left alone exactly once, and no name twice.
func readdirConcurrentChanges(t *testing.T, d string) {
	stable := createMany(t, d, "s", 1500)
	victims := createMany(t, d, "v", 500)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var churnErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			fd, err := unix.Open(j(d, fmt.Sprintf("n%06d", i)), unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
			if err != nil {
				churnErr = err
				return
			}
			unix.Close(fd)
			if i < len(victims) {
				if err := unix.Unlink(j(d, victims[i])); err != nil {
					churnErr = err
					return
				}
			}
		}
	}()
	for round := 0; round < 3; round++ {
		ents := listDir(t, d, 2048)
		count := map[string]int{}
		for _, e := range ents {
			count[e.Name]++
		}
		var missing, dup []string
		for _, n := range stable {
			if count[n] != 1 {
				missing = append(missing, fmt.Sprintf("%s×%d", n, count[n]))
			}
		}
		for n, c := range count {
			if c > 1 {
				dup = append(dup, n)
			}
			if !strings.HasPrefix(n, "s") && !strings.HasPrefix(n, "v") && !strings.HasPrefix(n, "n") && n != "." && n != ".." {
				t.Errorf("round %d: listed a name never created: %q", round, n)
			}
		}
		if len(missing)+len(dup) > 0 {
			t.Errorf("round %d, listing during creates and unlinks (%d entries): untouched entries not seen exactly once: %s; names listed twice: %s",
				round, len(ents), sample(missing), sample(dup))
		}
	}
	close(stop)
	wg.Wait()
	if churnErr != nil {
		t.Errorf("creating and removing files during the listing: %v", churnErr)
	}
}

// readdirSeek: the offset of an entry (d_off, telldir) given back to lseek
// (seekdir) resumes the listing right after it; lseek to 0 rewinds.
func readdirSeek(t *testing.T, d string) {
	createMany(t, d, "f", 600)
	fd := open(t, d, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	defer closeFd(t, fd)
	all := readAll(t, fd, 1024)
	if len(all) != 602 {
		t.Fatalf("listing has %d entries, want 602", len(all))
	}
	for _, k := range []int{0, 1, 2, 150, 301, 599, 600} {
		if _, err := unix.Seek(fd, all[k].Off, 0); !wantOK(t, err, op("lseek", "dir", all[k].Off)) {
			continue
		}
		rest := readAll(t, fd, 1024)
		if len(rest) != len(all)-k-1 || (len(rest) > 0 && rest[0].Name != all[k+1].Name) {
			first := "(none)"
			if len(rest) > 0 {
				first = rest[0].Name
			}
			t.Errorf("after seeking to the d_off of entry %d (%q): %d entries starting at %q, want %d starting at %q",
				k, all[k].Name, len(rest), first, len(all)-k-1, all[k+1].Name)
		}
	}
	if _, err := unix.Seek(fd, 0, 0); wantOK(t, err, op("lseek", "dir", 0)) {
		if again := readAll(t, fd, 4096); len(again) != len(all) {
			t.Errorf("listing after rewinding: %d entries, want %d", len(again), len(all))
		}
	}
}

// readdirRewind: a listing started after changes sees them; rewinddir on an
// open directory sees changes made since it was opened.
func readdirRewind(t *testing.T, d string) {
	create(t, j(d, "a"), 0o644)
	fd := open(t, d, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	defer closeFd(t, fd)
	wantListing(t, "first listing", readAll(t, fd, 4096), []string{"a"})
	create(t, j(d, "b"), 0o644)
	must(t, unix.Unlink(j(d, "a")), "unlink")
	mkdir(t, j(d, "c"), 0o755)
	if _, err := unix.Seek(fd, 0, 0); err != nil {
		t.Fatal(err)
	}
	wantListing(t, "listing after rewinding", readAll(t, fd, 4096), []string{"b", "c"})
	wantContentNames(t, d, []string{"b", "c"})
}
