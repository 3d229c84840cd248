package healtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Options say what Diff leaves out.
type Options struct {
	// Arbiter: the last brick is an arbiter, whose file sizes, data and
	// file mtimes are not compared.
	Arbiter bool
	// NoDirMtime leaves out the mtime of directories.
	NoDirMtime bool
	// MtimeSlack ignores mtime differences up to this much. Bricks set
	// the times of what clients change themselves, so copies that no
	// heal touched differ by the microseconds between the bricks' calls;
	// a heal copies the source's times exactly.
	MtimeSlack time.Duration
}

// node is one inode of a brick as Diff compares it.
type node struct {
	typ    uint32
	mode   uint32
	uid    uint32
	gid    uint32
	mtime  unix.Timespec
	size   int64
	sum    [32]byte // regular files
	target string   // symlinks
	rdev   uint64
	xattrs map[string]string // compared ones, with trusted.mortar.gfid and .linkto
}

// Diff walks the brick directories (all but .mortar) and returns every
// difference between the first brick and each other one, as readable
// lines: the set of paths; for each path the type, mode, owner, mtime,
// size and content (SHA-256) of regular files, symlink targets, device
// numbers, gfids, dht linkto, and the user., security., trusted. and POSIX
// ACL extended attributes (never the changelog counters).
func Diff(dirs []string, o Options) ([]string, error) {
	trees := make([]map[string]node, len(dirs))
	for i, d := range dirs {
		t, err := scan(d, o.arbiter(i, len(dirs)))
		if err != nil {
			return nil, fmt.Errorf("brick %s: %w", d, err)
		}
		trees[i] = t
	}
	var out []string
	for i := 1; i < len(dirs); i++ {
		out = append(out, diffTrees(trees[0], trees[i], i, o.arbiter(i, len(dirs)), o)...)
	}
	return out, nil
}

// Equal fails t with every difference Diff finds.
func Equal(t testing.TB, dirs []string, o Options) {
	t.Helper()
	diffs, err := Diff(dirs, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
}

func (o Options) arbiter(i, n int) bool { return o.Arbiter && i == n-1 }

// diffTrees compares brick 0's tree a with brick i's tree b (noData: b is
// an arbiter's).
func diffTrees(a, b map[string]node, i int, noData bool, o Options) []string {
	var out []string
	for _, p := range sortedPaths(a, b) {
		na, inA := a[p]
		nb, inB := b[p]
		switch {
		case !inA:
			out = append(out, fmt.Sprintf("%s: on brick %d, not on brick 0", p, i))
		case !inB:
			out = append(out, fmt.Sprintf("%s: on brick 0, not on brick %d", p, i))
		default:
			for _, d := range diffNode(na, nb, noData, o) {
				out = append(out, fmt.Sprintf("%s: brick 0 vs brick %d: %s", p, i, d))
			}
		}
	}
	return out
}

// diffNode compares two inodes; noData leaves out an arbiter's data.
func diffNode(a, b node, noData bool, o Options) []string {
	var out []string
	add := func(what string, x, y any) {
		out = append(out, fmt.Sprintf("%s %v != %v", what, x, y))
	}
	if a.typ != b.typ {
		add("type", a.typ, b.typ)
		return out
	}
	if a.mode != b.mode {
		add("mode", fmt.Sprintf("%o", a.mode), fmt.Sprintf("%o", b.mode))
	}
	if a.uid != b.uid || a.gid != b.gid {
		add("owner", fmt.Sprintf("%d:%d", a.uid, a.gid), fmt.Sprintf("%d:%d", b.uid, b.gid))
	}
	skipMtime := (a.typ == unix.S_IFDIR && o.NoDirMtime) || (a.typ == unix.S_IFREG && noData)
	if !skipMtime && absDuration(a.mtime, b.mtime) > o.MtimeSlack {
		add("mtime", a.mtime, b.mtime)
	}
	if a.typ == unix.S_IFREG && !noData && (a.size != b.size || a.sum != b.sum) {
		add("size/content", fmt.Sprintf("%d/%x", a.size, a.sum[:4]), fmt.Sprintf("%d/%x", b.size, b.sum[:4]))
	}
	if a.target != b.target || a.rdev != b.rdev {
		add("target/rdev", a.target+fmt.Sprint(a.rdev), b.target+fmt.Sprint(b.rdev))
	}
	for _, k := range sortedKeys(a.xattrs, b.xattrs) {
		if a.xattrs[k] != b.xattrs[k] {
			add("xattr "+k, fmt.Sprintf("%q", a.xattrs[k]), fmt.Sprintf("%q", b.xattrs[k]))
		}
	}
	return out
}

func absDuration(a, b unix.Timespec) time.Duration {
	d := time.Duration(a.Nano() - b.Nano())
	if d < 0 {
		return -d
	}
	return d
}

// scan reads the tree of one brick.
func scan(root string, arbiter bool) (map[string]node, error) {
	out := map[string]node{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == ".mortar" {
			return filepath.SkipDir
		}
		n, err := readNode(p, arbiter)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if rel == "." {
			rel = ""
		}
		out["/"+rel] = n
		return nil
	})
	return out, err
}

// readNode reads one inode without following symlinks.
func readNode(p string, arbiter bool) (node, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return node{}, err
	}
	n := node{typ: st.Mode & unix.S_IFMT, mode: st.Mode & 0o7777, uid: st.Uid, gid: st.Gid, mtime: st.Mtim, size: st.Size}
	var err error
	switch n.typ {
	case unix.S_IFREG:
		if !arbiter {
			n.sum, err = fileSum(p)
		}
	case unix.S_IFLNK:
		n.target, err = os.Readlink(p)
	case unix.S_IFCHR, unix.S_IFBLK:
		n.rdev = st.Rdev
	}
	if err != nil {
		return n, err
	}
	n.xattrs, err = readXattrs(p)
	return n, err
}

func fileSum(p string) ([32]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return [32]byte{}, err
	}
	return [32]byte(h.Sum(nil)), nil
}

// readXattrs reads the compared extended attributes of p (not following a
// symlink).
func readXattrs(p string) (map[string]string, error) {
	names, err := listXattrs(p)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, name := range names {
		if !compared(name) {
			continue
		}
		v, err := getXattr(p, name)
		if errors.Is(err, unix.ENODATA) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("getxattr %s: %w", name, err)
		}
		out[name] = string(v)
	}
	return out, nil
}

// compared reports whether Diff compares the extended attribute name:
// everything a client may see or set, the gfid and the dht linkto; not
// the changelog counters.
func compared(name string) bool {
	switch {
	case strings.HasPrefix(name, "trusted.mortar.pending."):
		return false
	case strings.HasPrefix(name, "user."), strings.HasPrefix(name, "security."), strings.HasPrefix(name, "trusted."):
		return true
	}
	return name == "system.posix_acl_access" || name == "system.posix_acl_default"
}

func listXattrs(p string) ([]string, error) {
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(p, buf)
	if err != nil {
		return nil, fmt.Errorf("listxattr: %w", err)
	}
	var out []string
	for _, s := range bytes.Split(buf[:n], []byte{0}) {
		if len(s) > 0 {
			out = append(out, string(s))
		}
	}
	return out, nil
}

func getXattr(p, name string) ([]byte, error) {
	buf := make([]byte, 64<<10)
	n, err := unix.Lgetxattr(p, name, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// Clean returns what is left pending on the bricks: entries of their dirty
// index and non-zero changelog counters, as readable lines.
func Clean(dirs []string) ([]string, error) {
	var out []string
	for i, d := range dirs {
		ents, err := os.ReadDir(filepath.Join(d, ".mortar", "index", "dirty"))
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			out = append(out, fmt.Sprintf("brick %d: dirty index entry %s", i, e.Name()))
		}
		counters, err := nonZeroCounters(d)
		if err != nil {
			return nil, err
		}
		for _, c := range counters {
			out = append(out, fmt.Sprintf("brick %d: %s", i, c))
		}
	}
	return out, nil
}

// RequireClean fails t with what Clean finds.
func RequireClean(t testing.TB, dirs []string) {
	t.Helper()
	left, err := Clean(dirs)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range left {
		t.Error(l)
	}
}

// nonZeroCounters lists the non-zero changelog counters of a brick's tree.
func nonZeroCounters(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(root, p); rel == ".mortar" {
			return filepath.SkipDir
		}
		names, err := listXattrs(p)
		if err != nil {
			return err
		}
		for _, name := range names {
			id, ok := strings.CutPrefix(name, "trusted.mortar.pending.")
			if !ok {
				continue
			}
			v, err := getXattr(p, name)
			if err == nil && len(v) == 12 && !bytes.Equal(v, make([]byte, 12)) {
				out = append(out, fmt.Sprintf("%s: pending against %s: data %d metadata %d entry %d", p, id,
					binary.BigEndian.Uint32(v[0:]), binary.BigEndian.Uint32(v[4:]), binary.BigEndian.Uint32(v[8:])))
			}
		}
		return nil
	})
	return out, err
}

func sortedPaths(a, b map[string]node) []string {
	seen := map[string]bool{}
	for p := range a {
		seen[p] = true
	}
	for p := range b {
		seen[p] = true
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func sortedKeys(a, b map[string]string) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
