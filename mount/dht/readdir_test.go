package dht

import (
	"fmt"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

func TestReaddirExactlyOnce(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	dir := f.mkdir(root, "d")
	want := map[string]bool{}
	for n := range 50 {
		name := fmt.Sprintf("f%02d", n)
		f.create(dir.Gfid, name, name)
		want[name] = true
	}
	for n := range 5 {
		name := fmt.Sprintf("sub%d", n)
		f.mkdir(dir.Gfid, name)
		want[name] = true
	}
	// Renames leave linkto files on other sets; they must stay hidden.
	for n := range 10 {
		from := fmt.Sprintf("f%02d", n)
		to := f.name(dir.Gfid, (f.table.SetOf(dir.Gfid, from)+1)%3, fmt.Sprintf("moved%d-", n))
		if err := f.d.Rename(ctx, dir.Gfid, from, dir.Gfid, to, 0); err != nil {
			t.Fatal(err)
		}
		delete(want, from)
		want[to] = true
	}
	linktos := 0
	for _, set := range f.names(dir.Gfid) {
		for _, n := range set {
			if strings.Contains(n, "@set-") {
				linktos++
			}
		}
	}
	if linktos != 10 {
		t.Fatalf("%d linkto files, want 10", linktos)
	}
	for _, max := range []int{1, 3, 7, 1000} {
		got := readAll(t, f.fresh(), dir.Gfid, max)
		checkOnce(t, got, want, fmt.Sprintf("max %d", max))
	}
}

func checkOnce(t *testing.T, got []fop.Dirent, want map[string]bool, what string) {
	t.Helper()
	seen := map[string]int{}
	for _, e := range got {
		seen[e.Name]++
		if e.Linkto != "" {
			t.Errorf("%s: linkto %s listed", what, e.Name)
		}
		if !want[e.Name] {
			t.Errorf("%s: unexpected %q", what, e.Name)
		}
	}
	for n := range want {
		if seen[n] != 1 {
			t.Errorf("%s: %q listed %d times", what, n, seen[n])
		}
	}
	cookies := map[uint64]bool{}
	for _, e := range got {
		if cookies[e.Cookie] || e.Cookie == 0 {
			t.Errorf("%s: cookie %d repeated or zero", what, e.Cookie)
		}
		cookies[e.Cookie] = true
	}
}

// TestReaddirResume resumes at cookies of earlier batches (a rescan) and
// from the start.
func TestReaddirResume(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	var names []string
	for n := range 30 {
		names = append(names, fmt.Sprintf("n%02d", n))
		f.create(root, names[n], "")
	}
	d, err := f.d.Opendir(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Release(ctx)
	all, eof, err := d.Readdir(ctx, 0, 1000)
	if err != nil || !eof || len(all) != 30 {
		t.Fatalf("%d entries, eof %v, %v", len(all), eof, err)
	}
	for _, k := range []int{0, 5, 17, 29} {
		rest, _, err := d.Readdir(ctx, all[k].Cookie, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(rest) != 29-k {
			t.Fatalf("after entry %d: %d entries, want %d", k, len(rest), 29-k)
		}
		for i, e := range rest {
			if e.Name != all[k+1+i].Name || e.Cookie != all[k+1+i].Cookie {
				t.Fatalf("after entry %d: got %s/%d, want %s/%d", k, e.Name, e.Cookie, all[k+1+i].Name, all[k+1+i].Cookie)
			}
		}
	}
	again, _, _ := d.Readdir(ctx, 0, 1000)
	got := make([]string, len(again))
	for i, e := range again {
		got[i] = e.Name
	}
	sort.Strings(got)
	if fmt.Sprint(got) != fmt.Sprint(names) {
		t.Fatalf("rewind: %v", got)
	}
}

func TestRmdir(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	dir := f.mkdir(root, "d")
	// A stale linkto (its data is gone) does not keep the directory alive.
	if _, err := f.vols[1].MknodLinkto(ctx, dir.Gfid, "ghost", fop.NewGfid(), "set-2"); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Rmdir(ctx, root, "d"); err != nil {
		t.Fatal(err)
	}
	for i, v := range f.vols {
		if _, err := v.Lookup(ctx, root, "d"); err == nil {
			t.Errorf("set %d still has the directory", i)
		}
	}

	// A real file on any one set: ENOTEMPTY, nothing removed anywhere.
	dir = f.mkdir(root, "d")
	f.create(dir.Gfid, f.name(dir.Gfid, 2, "x"), "x")
	wantErrno(t, f.d.Rmdir(ctx, root, "d"), syscall.ENOTEMPTY)
	for i, v := range f.vols {
		if _, err := v.Lookup(ctx, root, "d"); err != nil {
			t.Errorf("set %d lost the directory: %v", i, err)
		}
	}
	f.create(root, "file", "")
	wantErrno(t, f.d.Rmdir(ctx, root, "file"), syscall.ENOTDIR)
	wantErrno(t, f.d.Rmdir(ctx, root, "none"), syscall.ENOENT)
}

func TestUnlink(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	a := f.name(root, 1, "a")
	f.create(root, a, "x")
	if err := f.d.Unlink(ctx, root, a); err != nil {
		t.Fatal(err)
	}
	f.wantNames(root, nil, nil, nil)
	wantErrno(t, f.d.Unlink(ctx, root, a), syscall.ENOENT)
	f.mkdir(root, "d")
	wantErrno(t, f.d.Unlink(ctx, root, "d"), syscall.EISDIR)
}
