package brickd

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// markDirty makes a changelog counter of g non-zero, so that g is in the
// dirty index.
func (c *client) markDirty(g []byte) {
	c.t.Helper()
	r, err := c.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: c.id, Gfid: g,
		Deltas: []*brickpb.PendingDelta{{BrickId: "other", Data: 1}}})
	must(c.t, err)
	wantErrno(c.t, "xattrop", r.GetErrno(), 0)
}

func (c *client) listIndex(after []byte, max uint32) *brickpb.IndexListReply {
	c.t.Helper()
	r, err := c.rpc.IndexList(ctx, &brickpb.IndexListRequest{Session: c.id, Index: "dirty", After: after, Max: max})
	must(c.t, err)
	return r
}

func TestIndexListPages(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	var want [][]byte
	for _, name := range []string{"a", "b", "c"} {
		g, fd := c.create(root, name)
		c.release(fd)
		c.markDirty(g)
		want = append(want, g)
	}
	slices.SortFunc(want, bytes.Compare)
	p1 := c.listIndex(nil, 2)
	if p1.GetErrno() != 0 || p1.GetEof() || !slices.EqualFunc(p1.GetGfids(), want[:2], bytes.Equal) {
		t.Fatalf("first page: %v", p1)
	}
	p2 := c.listIndex(p1.GetGfids()[1], 2)
	if p2.GetErrno() != 0 || !p2.GetEof() || !slices.EqualFunc(p2.GetGfids(), want[2:], bytes.Equal) {
		t.Fatalf("second page: %v", p2)
	}
	if all := c.listIndex(nil, 0); !all.GetEof() || len(all.GetGfids()) != 3 {
		t.Fatalf("default page: %v", all)
	}
	if end := c.listIndex(want[2], 0); !end.GetEof() || len(end.GetGfids()) != 0 {
		t.Fatalf("after the last: %v", end)
	}
	r, err := c.rpc.IndexList(ctx, &brickpb.IndexListRequest{Session: c.id, Index: "xattrop"})
	must(t, err)
	wantErrno(t, "unknown index", r.GetErrno(), syscall.EINVAL)
	wantErrno(t, "malformed after", c.listIndex([]byte{1, 2}, 0).GetErrno(), syscall.EINVAL)
}

// TestIndexListLarge pages through an index larger than one directory
// read and than a page, with a leftover that is not a gfid.
func TestIndexListLarge(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	dir := filepath.Join(ts.path, ".mortar", "index", "dirty")
	var want [][]byte
	for range 5000 {
		g := gfid.New()
		must(t, os.WriteFile(filepath.Join(dir, g.String()), nil, 0o600))
		want = append(want, g.Bytes())
	}
	must(t, os.WriteFile(filepath.Join(dir, "not-a-gfid.tmp"), nil, 0o600))
	slices.SortFunc(want, bytes.Compare)
	var got [][]byte
	var after []byte
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("too many pages")
		}
		r := c.listIndex(after, 1000)
		wantErrno(t, "indexlist", r.GetErrno(), 0)
		got = append(got, r.GetGfids()...)
		if r.GetEof() {
			break
		}
		after = r.GetGfids()[len(r.GetGfids())-1]
	}
	if !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("paged %d gfids, want %d in order", len(got), len(want))
	}
	if r := c.listIndex(nil, 1<<20); len(r.GetGfids()) != 4096 || r.GetEof() {
		t.Fatalf("a page is capped at 4096: %d, eof %v", len(r.GetGfids()), r.GetEof())
	}
}

func sha(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func TestRchecksumChunks(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "f")
	c.write(g, fd, 0, "0123456789")
	rc := func(fd uint64, off, length int64, chunk uint32) *brickpb.RchecksumReply {
		t.Helper()
		r, err := c.rpc.Rchecksum(ctx, &brickpb.RchecksumRequest{Session: c.id, Gfid: g, Fd: fd, Offset: off, Length: length, Chunk: chunk})
		must(t, err)
		return r
	}
	for _, tc := range []struct {
		fd          uint64
		off, length int64
		chunk       uint32
		want        []string
	}{
		{fd, 0, 10, 4, []string{"0123", "4567", "89"}},
		{0, 0, 100, 4, []string{"0123", "4567", "89"}}, // anonymous fd; past the end
		{fd, 8, 100, 1 << 20, []string{"89"}},
		{fd, 2, 4, 2, []string{"23", "45"}},
		{fd, 10, 4, 2, nil},
		{fd, 0, 0, 4, nil},
	} {
		r := rc(tc.fd, tc.off, tc.length, tc.chunk)
		var want [][]byte
		for _, s := range tc.want {
			want = append(want, sha(s))
		}
		if r.GetErrno() != 0 || !slices.EqualFunc(r.GetSums(), want, bytes.Equal) {
			t.Errorf("rchecksum %+v: %d sums, %v", tc, len(r.GetSums()), syscall.Errno(r.GetErrno()))
		}
	}
	wantErrno(t, "chunk 0", rc(fd, 0, 10, 0).GetErrno(), syscall.EINVAL)
	wantErrno(t, "negative offset", rc(fd, -1, 10, 4).GetErrno(), syscall.EINVAL)
	wantErrno(t, "negative length", rc(fd, 0, -1, 4).GetErrno(), syscall.EINVAL)
	wantErrno(t, "over 64 MiB", rc(fd, 0, 64<<20+1, 1<<20).GetErrno(), syscall.EINVAL)
	wantErrno(t, "too many chunks", rc(fd, 0, 1<<20, 8).GetErrno(), syscall.EINVAL)
	wantErrno(t, "offset overflows", rc(fd, 1<<63-10, 64, 4).GetErrno(), syscall.EINVAL)
	wo, err := c.rpc.Open(ctx, &brickpb.OpenRequest{Session: c.id, Gfid: g, Flags: uint32(os.O_WRONLY)})
	must(t, err)
	wantErrno(t, "through a write-only fd", rc(wo.GetFd(), 0, 10, 4).GetErrno(), syscall.EBADF)
	d := c.mkdir(root, "d")
	r, err := c.rpc.Rchecksum(ctx, &brickpb.RchecksumRequest{Session: c.id, Gfid: d, Length: 10, Chunk: 4})
	must(t, err)
	wantErrno(t, "a directory", r.GetErrno(), syscall.EISDIR)
	r, err = c.rpc.Rchecksum(ctx, &brickpb.RchecksumRequest{Session: c.id, Length: 10, Chunk: 4})
	must(t, err)
	wantErrno(t, "no gfid and no fd", r.GetErrno(), syscall.EINVAL)
}

// TestRchecksumSparse: holes read as zeros; a full 64 MiB span in 4 KiB
// chunks is allowed.
func TestRchecksumSparse(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "sparse")
	c.write(g, fd, 3<<20, "end")
	r, err := c.rpc.Rchecksum(ctx, &brickpb.RchecksumRequest{Session: c.id, Gfid: g, Length: 64 << 20, Chunk: 4096})
	must(t, err)
	wantErrno(t, "rchecksum", r.GetErrno(), 0)
	zero := sha256.Sum256(make([]byte, 4096))
	if n := len(r.GetSums()); n != 3<<20/4096+1 {
		t.Fatalf("%d sums", n)
	}
	if !bytes.Equal(r.GetSums()[5], zero[:]) || !bytes.Equal(r.GetSums()[len(r.GetSums())-1], sha("end")) {
		t.Fatal("hole or tail checksum wrong")
	}
}
