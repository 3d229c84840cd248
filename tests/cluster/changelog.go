package cluster

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The replication state a brick keeps on disk (docs/on-disk-format.md).
const (
	XattrGFID          = "trusted.mortar.gfid"
	XattrPendingPrefix = "trusted.mortar.pending."
	dirtyIndex         = ".mortar/index/dirty"
	brickInfo          = ".mortar/brick.json"
)

// Counters are the changelog counters one brick keeps of another for one
// inode: operations in flight on it, or missed by it.
type Counters struct{ Data, Metadata, Entry uint32 }

// Zero reports whether no operation is pending.
func (c Counters) Zero() bool { return c == Counters{} }

func (c Counters) String() string {
	return fmt.Sprintf("data=%d metadata=%d entry=%d", c.Data, c.Metadata, c.Entry)
}

// FormatGFID formats a 16-byte gfid as a UUID; other lengths in hex.
func FormatGFID(g []byte) string {
	if len(g) != 16 {
		return "bad-gfid:" + hex.EncodeToString(g)
	}
	h := hex.EncodeToString(g)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// GFID returns the gfid of the file at path on a brick, as a UUID.
func GFID(path string) (string, error) {
	g, err := getXattr(path, XattrGFID)
	if err != nil {
		return "", fmt.Errorf("getxattr %s %s: %w", path, XattrGFID, err)
	}
	return FormatGFID(g), nil
}

// Pending reads the changelog counters of the file at path on a brick:
// brick id → counters (zero-valued counters included).
func Pending(path string) (map[string]Counters, error) {
	names, err := listXattr(path)
	if err != nil {
		return nil, err
	}
	m := map[string]Counters{}
	for _, name := range names {
		id, ok := strings.CutPrefix(name, XattrPendingPrefix)
		if !ok {
			continue
		}
		v, err := getXattr(path, name)
		if err == unix.ENODATA {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("getxattr %s %s: %w", path, name, err)
		}
		if len(v) != 12 {
			return nil, fmt.Errorf("%s on %s is %d bytes (%x), want 12", name, path, len(v), v)
		}
		m[id] = Counters{
			Data:     binary.BigEndian.Uint32(v[0:4]),
			Metadata: binary.BigEndian.Uint32(v[4:8]),
			Entry:    binary.BigEndian.Uint32(v[8:12]),
		}
	}
	return m, nil
}

// BrickID reads the brick id of the brick directory dir from its
// .mortar/brick.json: the name of its counters on the other bricks.
func BrickID(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, brickInfo))
	if err != nil {
		return "", err
	}
	var info struct {
		BrickID string `json:"brick_id"`
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Join(dir, brickInfo), err)
	}
	if info.BrickID == "" {
		return "", fmt.Errorf("%s names no brick_id", filepath.Join(dir, brickInfo))
	}
	return info.BrickID, nil
}

// ID is the brick's id (BrickID of its directory); it fails the test when
// the brick has none yet.
func (b *Brick) ID() string {
	b.t.Helper()
	id, err := BrickID(b.Dir)
	if err != nil {
		b.t.Fatalf("brick %s: %v", b.Name, err)
	}
	return id
}

// Dirty lists the gfids in the dirty index of the brick directory dir:
// inodes with a non-zero changelog counter.
func Dirty(dir string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(dir, dirtyIndex))
	if err != nil {
		return nil, err
	}
	gfids := make([]string, len(ents))
	for i, e := range ents {
		gfids[i] = e.Name()
	}
	return gfids, nil
}

// PendingEntry is an inode of a brick with a non-zero counter.
type PendingEntry struct {
	Path     string // relative to the brick root
	GFID     string
	Counters map[string]Counters // brick id → counters, only non-zero ones
}

func (e PendingEntry) String() string {
	ids := make([]string, 0, len(e.Counters))
	for id := range e.Counters {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("pending.%s{%v}", id, e.Counters[id])
	}
	return fmt.Sprintf("%s (gfid %s): %s", e.Path, e.GFID, strings.Join(parts, " "))
}

// PendingTree lists every inode under the brick directory dir (.mortar/
// left out) that has a non-zero changelog counter.
func PendingTree(dir string) ([]PendingEntry, error) {
	var out []PendingEntry
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == ".mortar" && d.IsDir() {
			return filepath.SkipDir
		}
		m, err := Pending(p)
		if err != nil {
			return err
		}
		nz := map[string]Counters{}
		for id, c := range m {
			if !c.Zero() {
				nz[id] = c
			}
		}
		if len(nz) > 0 {
			g, _ := GFID(p)
			out = append(out, PendingEntry{Path: rel, GFID: g, Counters: nz})
		}
		return nil
	})
	return out, err
}

// RequireClean fails the test unless every brick directory has an empty
// dirty index and no non-zero changelog counter on any inode: nothing is
// left to heal. Check it while nothing writes (unmount first).
func RequireClean(t testing.TB, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		label := filepath.Base(dir)
		dirty, err := Dirty(dir)
		if err != nil {
			t.Errorf("brick %s: %v", label, err)
		} else if len(dirty) > 0 {
			t.Errorf("brick %s: dirty index lists %d inodes after heal: %s", label, len(dirty), strings.Join(firstN(dirty, 20), ", "))
		}
		pending, err := PendingTree(dir)
		if err != nil {
			t.Errorf("brick %s: %v", label, err)
			continue
		}
		if len(pending) > 0 {
			lines := make([]string, len(pending))
			for i, e := range pending {
				lines[i] = e.String()
			}
			t.Errorf("brick %s: %d inodes with non-zero changelog counters after heal:\n  %s", label, len(pending), strings.Join(firstN(lines, 20), "\n  "))
		}
	}
}
