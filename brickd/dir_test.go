package brickd

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// readAll lists a directory in pages of page entries.
func (c *client) readAll(g []byte, fd uint64, page uint32) []*brickpb.Dirent {
	c.t.Helper()
	var out []*brickpb.Dirent
	var cookie uint64
	for i := 0; ; i++ {
		r, err := c.rpc.Readdir(ctx, &brickpb.ReaddirRequest{Session: c.id, Gfid: g, Fd: fd, Cookie: cookie, MaxEntries: page})
		must(c.t, err)
		if r.GetErrno() != 0 {
			c.t.Fatalf("readdir: %v", syscall.Errno(r.GetErrno()))
		}
		if len(r.GetEntries()) > int(page) {
			c.t.Fatalf("page of %d entries, asked %d", len(r.GetEntries()), page)
		}
		out = append(out, r.GetEntries()...)
		if r.GetEof() {
			return out
		}
		if len(r.GetEntries()) == 0 || i > 100000 {
			c.t.Fatalf("readdir makes no progress")
		}
		cookie = r.GetEntries()[len(r.GetEntries())-1].GetCookie()
	}
}

func TestReaddir(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	d := c.mkdir(root, "d")
	want := map[string][]byte{}
	for i := 0; i < 300; i++ {
		name := fmt.Sprintf("f%03d", i)
		g, fd := c.create(d, name)
		c.release(fd)
		want[name] = g
	}
	want["sub"] = c.mkdir(d, "sub")
	// An entry placed on the brick directly has no gfid yet.
	must(t, os.WriteFile(ts.brickPath("d", "admin"), []byte("x"), 0o644))
	want["admin"] = nil
	before := c.getattr(d).GetAttr()
	od, err := c.rpc.Opendir(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: d})
	must(t, err)
	wantErrno(t, "opendir", od.GetErrno(), 0)
	for _, page := range []uint32{1, 7, 1000} {
		ents := c.readAll(d, od.GetFd(), page)
		got := map[string]bool{}
		for _, e := range ents {
			if got[string(e.GetName())] {
				t.Fatalf("page %d: %s listed twice", page, string(e.GetName()))
			}
			got[string(e.GetName())] = true
			g, ok := want[string(e.GetName())]
			if !ok {
				t.Fatalf("unexpected entry %q", string(e.GetName()))
			}
			if !bytes.Equal(e.GetAttr().GetGfid(), g) {
				t.Fatalf("%s: gfid %x, want %x", string(e.GetName()), e.GetAttr().GetGfid(), g)
			}
			if string(e.GetName()) != "sub" && string(e.GetName()) != "admin" && e.GetAttr().GetNlink() != 1 {
				t.Fatalf("%s: nlink %d", string(e.GetName()), e.GetAttr().GetNlink())
			}
		}
		if len(got) != len(want) {
			t.Fatalf("page %d: %d entries, want %d", page, len(got), len(want))
		}
		for name := range got {
			wantErrno(t, "lookup", c.lookup(d, name).GetErrno(), 0)
		}
	}
	// Later checks create entries: compare the times now.
	after := c.getattr(d).GetAttr()
	if after.GetCtime().String() != before.GetCtime().String() {
		t.Fatalf("listing changed the directory's ctime: %v -> %v", before.GetCtime(), after.GetCtime())
	}
	// Resuming from a cookie while entries are added lists every old entry once.
	r, err := c.rpc.Readdir(ctx, &brickpb.ReaddirRequest{Session: c.id, Fd: od.GetFd(), MaxEntries: 100})
	must(t, err)
	seen := map[string]int{}
	for _, e := range r.GetEntries() {
		seen[string(e.GetName())]++
	}
	for i := 0; i < 100; i++ {
		_, fd := c.create(d, fmt.Sprintf("new%03d", i))
		c.release(fd)
	}
	for _, e := range c.readAllFrom(d, od.GetFd(), r.GetEntries()[99].GetCookie()) {
		seen[string(e.GetName())]++
	}
	for name := range want {
		if seen[name] != 1 {
			t.Fatalf("%s seen %d times across concurrent creates", name, seen[name])
		}
	}
	rel, err := c.rpc.Releasedir(ctx, &brickpb.FdRequest{Session: c.id, Fd: od.GetFd()})
	must(t, err)
	wantErrno(t, "releasedir", rel.GetErrno(), 0)
	rr, err := c.rpc.Readdir(ctx, &brickpb.ReaddirRequest{Session: c.id, Fd: od.GetFd()})
	must(t, err)
	wantErrno(t, "readdir after releasedir", rr.GetErrno(), syscall.EBADF)
}

// readAllFrom lists from cookie to the end.
func (c *client) readAllFrom(g []byte, fd uint64, cookie uint64) []*brickpb.Dirent {
	var out []*brickpb.Dirent
	for {
		r, err := c.rpc.Readdir(ctx, &brickpb.ReaddirRequest{Session: c.id, Gfid: g, Fd: fd, Cookie: cookie, MaxEntries: 50})
		must(c.t, err)
		out = append(out, r.GetEntries()...)
		if r.GetEof() || len(r.GetEntries()) == 0 {
			return out
		}
		cookie = r.GetEntries()[len(r.GetEntries())-1].GetCookie()
	}
}

func TestReaddirRootHidesMetaDir(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	c.mkdir(root, "a")
	_, fd := c.create(root, "b")
	c.release(fd)
	mk, err := c.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: c.id, Parent: root, Name: []byte("ptr"), Gfid: newID(), Linkto: "set-1", Caller: caller0})
	must(t, err)
	wantErrno(t, "mknod linkto", mk.GetErrno(), 0)
	// Anonymous listing (fd 0).
	ents := c.readAll(root, 0, 100)
	var names []string
	for _, e := range ents {
		names = append(names, string(e.GetName()))
		if string(e.GetName()) == "ptr" && e.GetLinkto() != "set-1" {
			t.Fatalf("pointer file listed without linkto: %v", e)
		}
	}
	sort.Strings(names)
	if fmt.Sprint(names) != "[a b ptr]" {
		t.Fatalf("root lists %v", names)
	}
}
