package cluster

import (
	"path/filepath"
	"strconv"
	"testing"
)

// Volume is a volume given by its bricks, as `mortar mount` and `mortar
// heal` take it: consecutive groups of Replica bricks form a replica set,
// the last brick of each set being an arbiter when Arbiter is 1.
type Volume struct {
	Bricks  []*Brick
	Replica int
	Arbiter int
	// Force mounts a shape mortar refuses by default (replica 2 without
	// an arbiter): `mortar mount --force`.
	Force bool

	t       testing.TB
	healLog string // every `mortar heal` run and its output
}

// NewVolume describes the volume of bricks with replica bricks per set
// and arbiter (0 or 1) arbiters per set.
func NewVolume(t testing.TB, bricks []*Brick, replica, arbiter int) *Volume {
	t.Helper()
	if replica < 1 || len(bricks)%replica != 0 {
		t.Fatalf("NewVolume: %d bricks is not a multiple of replica %d", len(bricks), replica)
	}
	v := &Volume{Bricks: bricks, Replica: replica, Arbiter: arbiter, t: t}
	v.healLog = filepath.Join(TempDir(t), "heal.log")
	logOnFailure(t, "mortar heal runs", v.healLog)
	return v
}

// Flags are the volume's shape as command-line flags: --replica N and,
// with an arbiter, --arbiter 1.
func (v *Volume) Flags() []string {
	f := []string{"--replica", strconv.Itoa(v.Replica)}
	if v.Arbiter > 0 {
		f = append(f, "--arbiter", strconv.Itoa(v.Arbiter))
	}
	return f
}

// mountFlags are Flags and, with Force, --force.
func (v *Volume) mountFlags() []string {
	if v.Force {
		return append(v.Flags(), "--force")
	}
	return v.Flags()
}

// Mount mounts the volume, connecting to the bricks directly.
func (v *Volume) Mount(t testing.TB, opts ...string) string {
	t.Helper()
	return MountSpecs(t, Specs(v.Bricks), v.mountFlags(), opts...)
}

// MountThrough mounts the volume through proxies, one per brick in the
// order of Bricks, so that this client can be cut off from chosen bricks.
func (v *Volume) MountThrough(t testing.TB, proxies []*Proxy, opts ...string) string {
	t.Helper()
	if len(proxies) != len(v.Bricks) {
		t.Fatalf("MountThrough: %d proxies for %d bricks", len(proxies), len(v.Bricks))
	}
	for i, p := range proxies {
		if p.Name != v.Bricks[i].Name || p.Target() != v.Bricks[i].Addr {
			t.Fatalf("MountThrough: proxy %d (%s, %s) is not in front of brick %s", i, p.Name, p, v.Bricks[i])
		}
	}
	return MountSpecs(t, Specs(proxies), v.mountFlags(), opts...)
}

// Dirs are the bricks' directories, in order.
func (v *Volume) Dirs() []string {
	dirs := make([]string, len(v.Bricks))
	for i, b := range v.Bricks {
		dirs[i] = b.Dir
	}
	return dirs
}

// Sets are the replica sets, each a slice of its bricks.
func (v *Volume) Sets() [][]*Brick {
	var sets [][]*Brick
	for i := 0; i < len(v.Bricks); i += v.Replica {
		sets = append(sets, v.Bricks[i:i+v.Replica])
	}
	return sets
}

// SetDirs are the directories of each replica set's bricks.
func (v *Volume) SetDirs() [][]string {
	var out [][]string
	for _, set := range v.Sets() {
		dirs := make([]string, len(set))
		for i, b := range set {
			dirs[i] = b.Dir
		}
		out = append(out, dirs)
	}
	return out
}
