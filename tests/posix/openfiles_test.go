package posix

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

func openFileChecks() []check {
	return []check{
		{"unlinked_open", openUnlinked},
		{"unlinked_name_reused", openUnlinkedNameReused},
		{"unlinked_dir", openUnlinkedDir},
		{"two_descriptors", openTwoDescriptors},
	}
}

// openUnlinked: a file unlinked while open stays readable and writable
// through its descriptors, with nlink 0, until closed.
func openUnlinked(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("before unlink"))
	rw := open(t, p, unix.O_RDWR, 0)
	defer closeFd(t, rw)
	ro := open(t, p, unix.O_RDONLY, 0)
	defer closeFd(t, ro)
	must(t, unix.Unlink(p), "unlink")
	wantErr(t, lstatErr(p), op("lstat", "f after unlink"), unix.ENOENT)
	wantContentNames(t, d, nil)
	if st := fstat(t, rw); st.Nlink != 0 || st.Size != 13 {
		t.Errorf("fstat of an unlinked open file: nlink %d size %d, want 0 and 13", st.Nlink, st.Size)
	}
	if got := preadFull(t, ro, 100, 0); string(got) != "before unlink" {
		t.Errorf("read of an unlinked open file: %q", got)
	}
	big := pattern(1<<20, 5)
	pwriteAll(t, rw, big, 13)
	want := append([]byte("before unlink"), big...)
	if got := preadFull(t, ro, len(want)+10, 0); !bytes.Equal(got, want) {
		t.Errorf("read after writing 1 MiB to an unlinked file: %s", diffBytes(got, want))
	}
	must(t, unix.Fsync(rw), "fsync of an unlinked file")
	must(t, unix.Ftruncate(rw, 6), "ftruncate of an unlinked file")
	if got := preadFull(t, ro, 100, 0); string(got) != "before" {
		t.Errorf("read after ftruncate of an unlinked file: %q", got)
	}
	wantOK(t, unix.Fchmod(rw, 0o600), op("fchmod", "unlinked file"))
	if st := fstat(t, ro); st.Mode&0o777 != 0o600 || st.Size != 6 {
		t.Errorf("fstat after fchmod of an unlinked file: mode %#o size %d", st.Mode&0o777, st.Size)
	}
}

// openUnlinkedNameReused: after unlink, a new file of the same name is
// another inode; each descriptor keeps its own file.
func openUnlinkedNameReused(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("old"))
	old := open(t, p, unix.O_RDWR, 0)
	defer closeFd(t, old)
	oldIno := fstat(t, old).Ino
	must(t, unix.Unlink(p), "unlink")
	writeFile(t, p, []byte("new file"))
	if st := lstat(t, p); st.Ino == oldIno {
		t.Errorf("a new file under an unlinked file's name has its inode number %d", st.Ino)
	}
	pwriteAll(t, old, []byte("OLD"), 0)
	wantContent(t, p, []byte("new file"))
	if got := preadFull(t, old, 100, 0); string(got) != "OLD" {
		t.Errorf("the unlinked file reads %q, want %q", got, "OLD")
	}
	// The same through rename over it.
	writeFile(t, j(d, "g"), []byte("renamed over"))
	cur := open(t, p, unix.O_RDONLY, 0)
	defer closeFd(t, cur)
	must(t, unix.Rename(j(d, "g"), p), "rename")
	if got := preadFull(t, cur, 100, 0); string(got) != "new file" {
		t.Errorf("a file replaced by rename reads %q through its descriptor, want %q", got, "new file")
	}
	wantContent(t, p, []byte("renamed over"))
}

// openUnlinkedDir: an open directory that was removed lists nothing and
// refuses new entries.
func openUnlinkedDir(t *testing.T, d string) {
	sub := j(d, "sub")
	mkdir(t, sub, 0o755)
	fd := open(t, sub, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	defer closeFd(t, fd)
	must(t, unix.Rmdir(sub), "rmdir")
	// Linux answers ENOENT; listing nothing but . and .. is as good.
	n, err := unix.Getdents(fd, make([]byte, 4096))
	if err != nil {
		wantErr(t, err, op("getdents64", "removed dir"), unix.ENOENT)
	} else if n > 0 {
		if _, err := unix.Seek(fd, 0, 0); err == nil {
			for _, e := range readAll(t, fd, 4096) {
				if e.Name != "." && e.Name != ".." {
					t.Errorf("removed directory lists %q", e.Name)
				}
			}
		}
	}
	_, err = unix.Openat(fd, "x", unix.O_CREAT|unix.O_WRONLY, 0o644)
	wantErr(t, err, op("openat", "removed dir", "x", "O_CREAT"), unix.ENOENT)
	var st unix.Stat_t
	if wantOK(t, unix.Fstat(fd, &st), op("fstat", "removed dir")) && st.Nlink != 0 {
		t.Errorf("removed directory: nlink %d, want 0", st.Nlink)
	}
}

// openTwoDescriptors: writes through one descriptor are read through
// another at once, without closing.
func openTwoDescriptors(t *testing.T, d string) {
	p := j(d, "f")
	a := open(t, p, unix.O_CREAT|unix.O_RDWR, 0o644)
	defer closeFd(t, a)
	b := open(t, p, unix.O_RDWR, 0)
	defer closeFd(t, b)
	for i := 0; i < 50; i++ {
		rec := pattern(1000+i*37, byte(i))
		off := int64(i * 523)
		pwriteAll(t, a, rec, off)
		if got := preadFull(t, b, len(rec), off); !bytes.Equal(got, rec) {
			t.Fatalf("round %d: read through the other descriptor: %s", i, diffBytes(got, rec))
		}
		if st := fstat(t, b); st.Size < off+int64(len(rec)) {
			t.Fatalf("round %d: fstat through the other descriptor: size %d, want ≥ %d", i, st.Size, off+int64(len(rec)))
		}
	}
}
