package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// Differences CompareBricks prints: the first maxPerKind of each kind, so
// that one kind in great numbers hides no other.
const maxPerKind = 12

// maxDiffs bounds other lists printed on failure.
const maxDiffs = 40

// Node is what CompareBricks compares of one name in a brick directory.
type Node struct {
	Path   string // relative to the brick root; "." is the root
	Type   string // file, dir, symlink, fifo, socket, char, block
	Perm   uint32 // permission, set-id and sticky bits
	UID    uint32
	GID    uint32
	Nlink  uint64
	Size   int64
	Hash   string // sha256 of a regular file's content
	Mtime  unix.Timespec
	Target string // of a symlink
	Rdev   uint64
	GFID   string            // trusted.mortar.gfid as a UUID, "" if none
	Xattrs map[string]string // every xattr but the gfid and the changelog counters, raw values
}

// Tree is a brick directory read by ReadTree, .mortar/ left out.
type Tree struct {
	Dir   string
	Nodes map[string]*Node
	label string
}

// Label names the tree in messages: the brick directory's base name (b1),
// or its whole path where base names would be ambiguous.
func (tr *Tree) Label() string {
	if tr.label != "" {
		return tr.label
	}
	return filepath.Base(tr.Dir)
}

// ReadTree reads everything CompareBricks compares in the brick directory
// dir: every name under it but the brick's own .mortar/ directory.
func ReadTree(dir string) (*Tree, error) {
	tr := &Tree{Dir: dir, Nodes: map[string]*Node{}}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel == ".mortar" && d.IsDir() {
			return filepath.SkipDir
		}
		n, err := readNode(p, rel)
		if err != nil {
			return err
		}
		tr.Nodes[rel] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading brick %s: %w", dir, err)
	}
	return tr, nil
}

func readNode(p, rel string) (*Node, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return nil, err
	}
	n := &Node{
		Path:  rel,
		Type:  typeName(st.Mode),
		Perm:  st.Mode & 0o7777,
		UID:   st.Uid,
		GID:   st.Gid,
		Nlink: uint64(st.Nlink),
		Size:  st.Size,
		Mtime: st.Mtim,
		Rdev:  uint64(st.Rdev),
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		h, err := hashFile(p)
		if err != nil {
			return nil, err
		}
		n.Hash = h
	case unix.S_IFLNK:
		target, err := os.Readlink(p)
		if err != nil {
			return nil, err
		}
		n.Target = target
	}
	xs, err := readXattrs(p)
	if err != nil {
		return nil, err
	}
	if g, ok := xs[XattrGFID]; ok {
		n.GFID = FormatGFID([]byte(g))
		delete(xs, XattrGFID)
	}
	n.Xattrs = xs
	return n, nil
}

func typeName(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "file"
	case unix.S_IFDIR:
		return "dir"
	case unix.S_IFLNK:
		return "symlink"
	case unix.S_IFIFO:
		return "fifo"
	case unix.S_IFSOCK:
		return "socket"
	case unix.S_IFCHR:
		return "char"
	case unix.S_IFBLK:
		return "block"
	}
	return fmt.Sprintf("type-%o", mode&unix.S_IFMT)
}

func hashFile(p string) (string, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NOATIME, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readXattrs returns every extended attribute of p (not following a
// symlink) except the changelog counters, which differ between replicas
// by design.
func readXattrs(p string) (map[string]string, error) {
	names, err := listXattr(p)
	if err != nil {
		return nil, err
	}
	xs := map[string]string{}
	for _, name := range names {
		if strings.HasPrefix(name, XattrPendingPrefix) {
			continue
		}
		v, err := getXattr(p, name)
		if err == unix.ENODATA {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("getxattr %s %s: %w", p, name, err)
		}
		xs[name] = string(v)
	}
	return xs, nil
}

func listXattr(p string) ([]string, error) {
	for size := 1024; ; size *= 4 {
		buf := make([]byte, size)
		n, err := unix.Llistxattr(p, buf)
		if err == unix.ERANGE && size < 1<<20 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("listxattr %s: %w", p, err)
		}
		var names []string
		for _, s := range strings.Split(string(buf[:n]), "\x00") {
			if s != "" {
				names = append(names, s)
			}
		}
		return names, nil
	}
}

func getXattr(p, name string) ([]byte, error) {
	for size := 256; ; size *= 4 {
		buf := make([]byte, size)
		n, err := unix.Lgetxattr(p, name, buf)
		if err == unix.ERANGE && size < 1<<20 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

// DiffOptions say what DiffTrees leaves out.
type DiffOptions struct {
	// NoData leaves out what an arbiter does not keep: the size and
	// content of regular files, and their mtime (which a write sets).
	NoData bool
	// MtimeSlack is how far two mtimes may lie apart and still count as
	// equal. Zero compares to the nanosecond.
	MtimeSlack time.Duration
}

// ReplicaMtimeSlack is the mtime difference CompareBricks accepts between
// replicas. Each brick stamps an operation with its own clock when the
// operation reaches it, so replicas written together differ by the spread
// of one parallel RPC (microseconds to milliseconds); a heal copies the
// source's times exactly. More than this means a time was lost or a heal
// left it behind (docs/replication.md, Times).
const ReplicaMtimeSlack = 2 * time.Second

// Diff is one difference between two trees.
type Diff struct {
	Path string
	Kind string // missing, type, gfid, mode, owner, nlink, size, content, mtime, symlink, rdev, xattr
	Text string // the whole difference, for people
}

func (d Diff) String() string { return d.Text }

// DiffTrees lists the differences between two trees, sorted by path.
func DiffTrees(a, b *Tree, opt DiffOptions) []Diff {
	paths := map[string]bool{}
	for p := range a.Nodes {
		paths[p] = true
	}
	for p := range b.Nodes {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	var diffs []Diff
	for _, p := range sorted {
		na, nb := a.Nodes[p], b.Nodes[p]
		switch {
		case na == nil:
			diffs = append(diffs, Diff{p, "missing", fmt.Sprintf("%s: missing on %s, a %s on %s", p, a.Label(), nb.Type, b.Label())})
		case nb == nil:
			diffs = append(diffs, Diff{p, "missing", fmt.Sprintf("%s: a %s on %s, missing on %s", p, na.Type, a.Label(), b.Label())})
		default:
			diffs = append(diffs, diffNodes(na, nb, a.Label(), b.Label(), opt)...)
		}
	}
	return diffs
}

func diffNodes(a, b *Node, la, lb string, opt DiffOptions) []Diff {
	var diffs []Diff
	add := func(kind, what string, va, vb any) {
		diffs = append(diffs, Diff{a.Path, kind, fmt.Sprintf("%s: %s %v on %s, %v on %s", a.Path, what, va, la, vb, lb)})
	}
	if a.Type != b.Type {
		add("type", "type", a.Type, b.Type)
		return diffs
	}
	data := !(opt.NoData && a.Type == "file")
	if a.GFID != b.GFID {
		add("gfid", "gfid", orNone(a.GFID), orNone(b.GFID))
	}
	if a.Perm != b.Perm {
		add("mode", "mode", fmt.Sprintf("%04o", a.Perm), fmt.Sprintf("%04o", b.Perm))
	}
	if a.UID != b.UID || a.GID != b.GID {
		add("owner", "owner", fmt.Sprintf("%d:%d", a.UID, a.GID), fmt.Sprintf("%d:%d", b.UID, b.GID))
	}
	if a.Nlink != b.Nlink {
		add("nlink", "nlink", a.Nlink, b.Nlink)
	}
	// A directory's size is the backing file system's business (4096 on
	// ext4, a count on tmpfs), not the volume's.
	if data && a.Type == "file" && a.Size != b.Size {
		add("size", "size", a.Size, b.Size)
	}
	if data && a.Hash != b.Hash {
		add("content", "content (sha256)", short(a.Hash), short(b.Hash))
	}
	if data && !timesClose(a.Mtime, b.Mtime, opt.MtimeSlack) {
		add("mtime", "mtime", fmtTime(a.Mtime), fmtTime(b.Mtime))
	}
	if a.Target != b.Target {
		add("symlink", "symlink target", fmt.Sprintf("%q", a.Target), fmt.Sprintf("%q", b.Target))
	}
	if a.Rdev != b.Rdev {
		add("rdev", "rdev", a.Rdev, b.Rdev)
	}
	for _, name := range xattrNames(a.Xattrs, b.Xattrs) {
		va, oka := a.Xattrs[name]
		vb, okb := b.Xattrs[name]
		switch {
		case !oka:
			add("xattr", "xattr "+name, "missing", fmtValue(vb))
		case !okb:
			add("xattr", "xattr "+name, fmtValue(va), "missing")
		case va != vb:
			add("xattr", "xattr "+name, fmtValue(va), fmtValue(vb))
		}
	}
	return diffs
}

func xattrNames(a, b map[string]string) []string {
	seen := map[string]bool{}
	var names []string
	for _, m := range []map[string]string{a, b} {
		for n := range m {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

// fmtValue shows an xattr value: quoted if it is text, else in hex; long
// values are cut.
func fmtValue(v string) string {
	const maxLen = 48
	text := utf8.ValidString(v) && strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
	if !text {
		v = "0x" + hex.EncodeToString([]byte(v))
	}
	cut := ""
	if len(v) > maxLen {
		v, cut = v[:maxLen], "..."
	}
	if text {
		return fmt.Sprintf("%q%s", v, cut)
	}
	return v + cut
}

func timesClose(a, b unix.Timespec, slack time.Duration) bool {
	d := time.Duration(a.Nano() - b.Nano())
	return d <= slack && -d <= slack
}

func fmtTime(ts unix.Timespec) string { return fmt.Sprintf("%d.%09d", ts.Sec, ts.Nsec) }

// readTrees reads the brick directories in parallel.
func readTrees(dirs []string) ([]*Tree, error) {
	trees := make([]*Tree, len(dirs))
	errs := make([]error, len(dirs))
	var wg sync.WaitGroup
	for i, d := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trees[i], errs[i] = ReadTree(d)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for _, tr := range trees {
		if seen[tr.Label()] {
			for _, tr := range trees {
				tr.label = tr.Dir
			}
			break
		}
		seen[tr.Label()] = true
	}
	return trees, nil
}

// DiffBricks reads the brick directories and lists how each differs from
// the first.
func DiffBricks(opt DiffOptions, dirs ...string) ([]Diff, error) {
	trees, err := readTrees(dirs)
	if err != nil {
		return nil, err
	}
	var diffs []Diff
	for _, tr := range trees[1:] {
		diffs = append(diffs, DiffTrees(trees[0], tr, opt)...)
	}
	return diffs, nil
}

// CompareBricks fails the test unless the brick directories hold identical
// trees: the same names with the same type, content, mode, owner, nlink,
// mtime (within ReplicaMtimeSlack), symlink target, device number, gfid and extended attributes
// (user.*, security.*, system.posix_acl_*, trusted.* but the changelog
// counters). The brick's .mortar/ is left out. The first differences are
// printed. Compare bricks while nothing writes to them (unmount first).
func CompareBricks(t testing.TB, dirs ...string) {
	t.Helper()
	compareBricks(t, DiffOptions{MtimeSlack: ReplicaMtimeSlack}, dirs)
}

// CompareArbiter is CompareBricks for a set with an arbiter: the data
// bricks must be identical, and the arbiter must hold the same tree but
// for the data: its regular files have size 0.
func CompareArbiter(t testing.TB, arbiter string, data ...string) {
	t.Helper()
	compareBricks(t, DiffOptions{MtimeSlack: ReplicaMtimeSlack}, data)
	compareBricks(t, DiffOptions{NoData: true, MtimeSlack: ReplicaMtimeSlack}, []string{data[0], arbiter})
	tr, err := ReadTree(arbiter)
	if err != nil {
		t.Fatal(err)
	}
	var fat []string
	for _, n := range tr.Nodes {
		if n.Type == "file" && n.Size != 0 {
			fat = append(fat, fmt.Sprintf("%s (%d bytes)", n.Path, n.Size))
		}
	}
	sort.Strings(fat)
	if len(fat) > 0 {
		t.Errorf("arbiter %s holds file data, want size 0 everywhere: %s", tr.Label(), strings.Join(firstN(fat, maxDiffs), ", "))
	}
}

func compareBricks(t testing.TB, opt DiffOptions, dirs []string) {
	t.Helper()
	if len(dirs) < 2 {
		t.Fatalf("CompareBricks needs two brick directories or more, got %d", len(dirs))
	}
	diffs, err := DiffBricks(opt, dirs...)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) == 0 {
		return
	}
	t.Errorf("bricks differ (%d differences: %s):\n  %s", len(diffs), summarize(diffs),
		strings.Join(firstPerKind(diffs, maxPerKind), "\n  "))
}

// summarize counts differences by kind: "1 missing, 3 mtime".
func summarize(diffs []Diff) string {
	counts := map[string]int{}
	for _, d := range diffs {
		counts[d.Kind]++
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}

// firstPerKind lists the first n differences of each kind, kinds in
// alphabetical order.
func firstPerKind(diffs []Diff, n int) []string {
	byKind := map[string][]string{}
	var kinds []string
	for _, d := range diffs {
		if byKind[d.Kind] == nil {
			kinds = append(kinds, d.Kind)
		}
		byKind[d.Kind] = append(byKind[d.Kind], d.Text)
	}
	sort.Strings(kinds)
	var lines []string
	for _, k := range kinds {
		lines = append(lines, firstN(byKind[k], n)...)
	}
	return lines
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("... and %d more", len(s)-n))
	}
	return s
}
