package posix

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

func mmapChecks() []check {
	return []check{
		{"shared_write", mmapSharedWrite},
		{"shared_sees_writes", mmapSharedSeesWrites},
		{"private", mmapPrivate},
		{"msync_mtime", mmapMsyncMtime},
	}
}

// mmapSharedWrite: stores into a MAP_SHARED mapping are read through
// another descriptor, and persist after unmapping and closing.
func mmapSharedWrite(t *testing.T, d string) {
	p := j(d, "f")
	const size = 256 << 10
	writeFile(t, p, make([]byte, size))
	fd := open(t, p, unix.O_RDWR, 0)
	m, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if !wantOK(t, err, op("mmap", "f", "PROT_READ|PROT_WRITE", "MAP_SHARED")) {
		closeFd(t, fd)
		return
	}
	data := pattern(size, 9)
	copy(m, data)
	other := open(t, p, unix.O_RDONLY, 0)
	defer closeFd(t, other)
	// Without msync: the page cache is shared within one kernel.
	if got := preadFull(t, other, size, 0); !bytes.Equal(got, data) {
		t.Errorf("read through another descriptor after storing into the mapping: %s", diffBytes(got, data))
	}
	wantOK(t, unix.Msync(m, unix.MS_SYNC), op("msync", "MS_SYNC"))
	must(t, unix.Munmap(m), "munmap")
	closeFd(t, fd)
	wantContent(t, p, data)
}

// mmapSharedSeesWrites: write(2) through another descriptor shows in an
// existing shared mapping.
func mmapSharedSeesWrites(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, make([]byte, 8192))
	fd := open(t, p, unix.O_RDONLY, 0)
	defer closeFd(t, fd)
	m, err := unix.Mmap(fd, 0, 8192, unix.PROT_READ, unix.MAP_SHARED)
	if !wantOK(t, err, op("mmap", "f", "PROT_READ", "MAP_SHARED")) {
		return
	}
	defer unix.Munmap(m)
	_ = m[100] // fault the page in
	w := open(t, p, unix.O_WRONLY, 0)
	pwriteAll(t, w, []byte("written by write(2)"), 100)
	closeFd(t, w)
	if got := string(m[100:119]); got != "written by write(2)" {
		t.Errorf("mapping after write(2) through another descriptor: %q", got)
	}
}

// mmapPrivate: stores into a MAP_PRIVATE mapping stay private.
func mmapPrivate(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("original content"))
	fd := open(t, p, unix.O_RDWR, 0)
	defer closeFd(t, fd)
	m, err := unix.Mmap(fd, 0, 16, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if !wantOK(t, err, op("mmap", "f", "MAP_PRIVATE")) {
		return
	}
	if string(m) != "original content" {
		t.Errorf("private mapping reads %q", m)
	}
	copy(m, "PRIVATE")
	unix.Munmap(m)
	wantContent(t, p, []byte("original content"))
}

// mmapMsyncMtime: storing through a shared mapping then msync(MS_SYNC)
// updates mtime and ctime (POSIX).
func mmapMsyncMtime(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, make([]byte, 4096))
	fd := open(t, p, unix.O_RDWR, 0)
	defer closeFd(t, fd)
	m, err := unix.Mmap(fd, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if !wantOK(t, err, op("mmap", "f", "MAP_SHARED")) {
		return
	}
	defer unix.Munmap(m)
	before := fstat(t, fd)
	tick(t)
	copy(m, "stored")
	must(t, unix.Msync(m, unix.MS_SYNC), "msync")
	after := lstat(t, p)
	wantNewer(t, "mtime after a store and msync", before.Mtim, after.Mtim)
	wantNewer(t, "ctime after a store and msync", before.Ctim, after.Ctim)
}
